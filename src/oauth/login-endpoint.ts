import type { Queryable } from '../db/database';
import type { AuthRequest, AuthResponse } from './auth-request';
import { NO_STORE } from './auth-request';
import { openBrowserSession } from './open-browser-session';
import { renderLoginPage } from './render-login-page';
import { loadSignInProviders } from '../identity/load-sign-in-providers';
import { verifyUserPassword } from './verify-user-password';

/** A login page must not be framed by another site (clickjacking). */
const NO_FRAMING = { 'content-security-policy': "frame-ancestors 'none'", 'x-frame-options': 'DENY' };

/** The reference product's default: five days. */
export const DEFAULT_ASID_MAX_AGE = 432_000;

/** AuthConfig.asidCookieMaxAge of the most recently written AuthConfig, else the default. */
export async function loadAsidMaxAge(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ max_age: number | null }>(
    "select (resource->>'asidCookieMaxAge')::bigint as max_age from authconfig where resource ? 'asidCookieMaxAge' order by ts desc limit 1",
    [],
  );
  const value = rows[0]?.max_age;
  return value === null || value === undefined ? DEFAULT_ASID_MAX_AGE : Number(value);
}

/**
 * The `asid` cookie (RFC 6265 §4.1): HttpOnly so scripts cannot read it, SameSite=Lax so other
 * sites cannot ride it on cross-site POSTs, Secure whenever we are served over https.
 */
export function asidCookie(value: string, maxAge: number, secure: boolean): string {
  return `asid=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

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
