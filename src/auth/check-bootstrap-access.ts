import { HttpError } from '../errors/http-error';
import type { AuthContext } from './auth-context';
import { loginRequired } from './authenticate-request';

/**
 * The authorization stage until AccessPolicy lands: the bootstrap identities — Client `root`
 * (by Basic or its own client_credentials token) and User `admin` — may do everything; any other
 * caller is refused: 401 without an identity, 403 with one.
 */
export function checkBootstrapAccess(auth: AuthContext): void {
  if (auth.user?.id === 'admin') return;
  if (!auth.user && auth.client?.id === 'root') return;
  if (!auth.user && !auth.client) throw loginRequired('Authentication required', 'Bearer', false);
  throw new HttpError(403, 'forbidden', 'Access denied: no policy grants this request');
}
