import { isDatabaseUnavailable } from '../db/is-database-unavailable';
import { HttpError } from '../errors/http-error';
import { tooLongForIndex } from './too-long-for-index';

/**
 * SQLSTATE class 22, "data exception": PostgreSQL refused a value the request carried (a character
 * jsonb cannot hold, a number out of range, a search value its type cannot read).
 */
export function isDataException(error: unknown): error is { code: string; routine?: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('22');
}

/** Any thrown value → an HttpError; undefined means it is unexpected (a 500, logged once). */
export function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  if (isDatabaseUnavailable(error)) return databaseUnavailable();
  // A unique index other than the primary key (e.g. a case-insensitive userName) refused the write.
  const code = (error as { code?: string } | null)?.code;
  if (code === '23505') return new HttpError(409, 'duplicate', 'A resource with the same unique value already exists');
  if (code === '40001' || code === '40P01') return new HttpError(409, 'conflict', 'The write conflicted with a concurrent one; try again');
  const tooLong = tooLongForIndex(error);
  if (tooLong) return tooLong;
  // The request is at fault, so a 400 — the body's own checks catch most of these earlier, with
  // more precise words.
  if (isDataException(error)) {
    return new HttpError(400, 'invalid', 'A value in the request cannot be stored or compared (it holds a character or a number the database refuses)');
  }
  return undefined;
}

/** Seconds a client is asked to wait when the database is down or restarting. */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

export function databaseUnavailable(): HttpError {
  return new HttpError(503, 'transient', 'The database is unavailable; try again shortly', undefined, { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) });
}
