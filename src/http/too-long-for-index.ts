import { HttpError } from '../errors/http-error';

/** Our own btree indexes on resource fields (sql/*.sql), by the field whose value they hold. */
const INDEXED_FIELDS: Record<string, string> = {
  user_username_lower: 'User.userName',
  user_email_lower: 'User.email',
  session_access_token: 'Session.access_token',
  session_refresh_token: 'Session.refresh_token',
  role_user_id: 'Role.user',
  user_identity_pkey: 'User.identifier',
};

/**
 * SQLSTATE 54000 "index row size … exceeds … for index" (or "index row requires … bytes"): a value
 * too long for an index entry (about 2,700 bytes for a btree). The schemas bound the fields of our
 * own indexes, so this is the backstop for what they cannot see, e.g. an index an operator added:
 * the client's value is at fault, so a 422 naming the field when the index is ours.
 */
export function tooLongForIndex(error: unknown): HttpError | undefined {
  const { code, message, constraint } = (error ?? {}) as { code?: unknown; message?: unknown; constraint?: unknown };
  if (code !== '54000' || typeof message !== 'string' || !message.startsWith('index row')) return undefined;
  const index = typeof constraint === 'string' ? constraint : /for index "([^"]+)"/.exec(message)?.[1];
  const field = index ? INDEXED_FIELDS[index] : undefined;
  if (!field) return new HttpError(422, 'too-long', `A value is too long for the database index ${index ?? '(unnamed)'}; shorten it`);
  const diagnostics = `${field} is too long to be indexed; shorten it`;
  return new HttpError(422, 'too-long', diagnostics, [{ severity: 'error', code: 'too-long', diagnostics, expression: [field] }]);
}
