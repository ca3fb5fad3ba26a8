import type { AuthRequest, AuthResponse } from './auth-request';
import { NO_STORE } from './auth-request';
import { openBrowserSession } from './open-browser-session';
import { renderLoginPage } from './render-login-page';
import { loadSignInProviders } from '../identity/load-sign-in-providers';
import { verifyUserPassword } from './verify-user-password';

/** A login page must not be framed by another site (clickjacking). */
const NO_FRAMING = { 'content-security-policy': "frame-ancestors 'none'", 'x-frame-options': 'DENY' };

/**
 * GET /auth/login: the login page. POST /auth/login (form or JSON: username or email, password):
 * checks the password, starts a Session and sets the `asid` cookie that authenticates later requests.
 */
export async function loginEndpoint(req: AuthRequest): Promise<AuthResponse> {
  if (req.method === 'GET' || req.method === 'HEAD') {
    return { status: 200, html: renderLoginPage(await loadSignInProviders(req.services.db)), headers: { ...NO_STORE, ...NO_FRAMING } };
  }
  const { services, params } = req;
  const user = await verifyUserPassword(services, services.db, { username: params.username ?? params.email, password: params.password, address: req.address });
  const { id, cookie } = await openBrowserSession(services, user.id, 'login');
  return { status: 200, body: { user: { id: user.id, resourceType: 'User' }, session: { id, resourceType: 'Session' } }, headers: { ...NO_STORE, 'set-cookie': cookie } };
}
