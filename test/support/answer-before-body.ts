import { request as httpRequest } from 'node:http';

/**
 * Sends the headers and the first kilobyte of a body announced as `length` bytes, and waits for an
 * answer without ever sending the rest: it arrives only if the server answers without the body.
 */
export function answerBeforeBody(base: string, method: string, path: string, headers: Record<string, string>, length: number): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path, method, headers: { ...headers, 'content-length': String(length) } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode!, body });
      });
    });
    req.on('error', reject);
    req.write('x'.repeat(1024));
    setTimeout(() => {
      req.destroy();
      reject(new Error('no answer within 3 s: the server waited for the body'));
    }, 3000).unref();
  });
}
