import { HttpError } from '../errors/http-error';

/** Any thrown value → an HttpError; undefined means it is unexpected (a 500, logged once). */
export function toHttpError(error: unknown): HttpError | undefined {
  if (error instanceof HttpError) return error;
  // A unique index other than the primary key (e.g. a case-insensitive userName) refused the write.
  const code = (error as { code?: string } | null)?.code;
  if (code === '23505') return new HttpError(409, 'duplicate', 'A resource with the same unique value already exists');
  if (code === '40001' || code === '40P01') return new HttpError(409, 'conflict', 'The write conflicted with a concurrent one; try again');
  return undefined;
}
