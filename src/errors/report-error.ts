import { isDataException, toHttpError } from '../http/to-http-error';
import type { Logger } from '../log/logger';

/**
 * What the operator is told of a failed request or bundle entry, on the request's own logger (its
 * request id on the line): a value the database refused, by SQLSTATE and routine only, never the
 * value (it may be PHI); anything unexpected, with its stack. Expected refusals say nothing.
 */
export function reportError(logger: Logger, error: unknown, where: Record<string, unknown>): void {
  if (isDataException(error)) logger.log('warn', 'the database refused a value', { ...where, sqlstate: error.code, routine: error.routine });
  else if (!toHttpError(error)) {
    logger.log('error', 'unexpected error', { ...where, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), stack: error instanceof Error ? error.stack : undefined });
  }
}
