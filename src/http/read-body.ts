import type { IncomingMessage } from 'node:http';
import { HttpError } from '../errors/http-error';

/**
 * The raw request body, at most `limit` bytes: a declared Content-Length over the limit is refused
 * before reading, a stream that grows past it is cut off (413). No body → undefined.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') return Promise.reject(new HttpError(415, 'not-supported', `Content-Encoding '${encoding}' is not supported`));
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    return Promise.reject(new HttpError(413, 'too-costly', 'The request body is larger than the server accepts'));
  }
  if (declared === 0 && req.headers['transfer-encoding'] === undefined) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, 'too-costly', 'The request body is larger than the server accepts'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size === 0 ? undefined : Buffer.concat(chunks, size)));
    req.on('aborted', () => reject(new HttpError(400, 'invalid', 'The request body was not received completely')));
    req.on('error', () => reject(new HttpError(400, 'invalid', 'The request body was not received completely')));
  });
}
