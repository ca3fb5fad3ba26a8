import { HttpError } from '../errors/http-error';

/** Failures raised by Express's body reader before our code runs, by their `type`. */
const BODY_READER_ERRORS: Record<string, [number, string]> = {
  'entity.too.large': [413, 'The request body is larger than the server accepts'],
  'request.aborted': [400, 'The request body was not received completely'],
  'request.size.invalid': [400, 'The request body does not match its Content-Length'],
  'encoding.unsupported': [415, 'The Content-Encoding is not supported'],
  'charset.unsupported': [415, 'The charset is not supported; use utf-8'],
};

/** Any thrown value → an HttpError; undefined means it is unexpected (a 500, logged once). */
export function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  const type = (error as { type?: string } | null)?.type;
  if (type && BODY_READER_ERRORS[type]) {
    const [status, message] = BODY_READER_ERRORS[type];
    return new HttpError(status, status === 413 ? 'too-costly' : status === 415 ? 'not-supported' : 'invalid', message);
  }
  // A unique index other than the primary key (e.g. a case-insensitive userName) refused the write.
  const code = (error as { code?: string } | null)?.code;
  if (code === '23505') return new HttpError(409, 'duplicate', 'A resource with the same unique value already exists');
  if (code === '40001' || code === '40P01') return new HttpError(409, 'conflict', 'The write conflicted with a concurrent one; try again');
  return undefined;
}
