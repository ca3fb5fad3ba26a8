/**
 * Whether an error means the database cannot be reached right now, rather than that it refused
 * the request: the server is shutting down, restarting or starting (SQLSTATE class 57P, 08 and
 * too_many_connections), the connection was refused, cut or timed out. Such a request is answered
 * 503 with Retry-After: trying again later can succeed.
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
/** What pg and pg-pool throw when a connection ends or cannot be had (they carry no code). */
const MESSAGES = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
  'Client was closed and is not queryable',
  'Cannot use a pool after calling end on the pool',
];

export function isDatabaseUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string' && (SQLSTATES.has(code) || code.startsWith('08') || NODE_CODES.has(code))) return true;
  if (typeof message === 'string' && MESSAGES.some((known) => message.startsWith(known))) return true;
  // Node's happy-eyeballs connect fails with an AggregateError of one error per address.
  return Array.isArray(errors) && errors.length > 0 && errors.every(isDatabaseUnavailable);
}
