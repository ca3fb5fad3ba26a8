import { discoveryDocument } from '../oauth/discovery-document';
import type { AuthRequest, AuthResponse } from '../oauth/auth-request';
import { deleteSessionEndpoint } from '../oauth/delete-session-endpoint';
import { introspectEndpoint } from '../oauth/introspect-endpoint';
import { loginEndpoint } from '../oauth/login-endpoint';
import { logoutEndpoint } from '../oauth/logout-endpoint';
import { revokeEndpoint } from '../oauth/revoke-endpoint';
import { tokenEndpoint } from '../oauth/token-endpoint';
import { userinfoEndpoint } from '../oauth/userinfo-endpoint';

export type AuthEndpoint = (req: AuthRequest) => Promise<AuthResponse>;

/** Metadata and keys: public, cacheable, no body. */
const wellKnown = (build: (req: AuthRequest) => unknown, cache?: string): AuthEndpoint => async (req) => ({
  status: 200,
  body: build(req),
  ...(cache ? { headers: { 'cache-control': cache } } : {}),
});

/**
 * The authentication endpoints: path → method → endpoint. (`DELETE /Session` without a query string
 * is the reference product's logout; with one it is the resource API's conditional delete.)
 */
export const AUTH_ROUTES: ReadonlyMap<string, Readonly<Record<string, AuthEndpoint>>> = new Map<string, Record<string, AuthEndpoint>>([
  ['/.well-known/openid-configuration', { GET: wellKnown((req) => discoveryDocument(req.services.config.baseUrl)) }],
  ['/.well-known/oauth-authorization-server', { GET: wellKnown((req) => discoveryDocument(req.services.config.baseUrl)) }],
  ['/.well-known/jwks.json', { GET: wellKnown((req) => req.services.auth.keys.jwks(), 'public, max-age=300') }],
  ['/auth/login', { GET: loginEndpoint, POST: loginEndpoint }],
  ['/auth/token', { POST: tokenEndpoint }],
  ['/auth/userinfo', { GET: userinfoEndpoint, POST: userinfoEndpoint }],
  ['/auth/logout', { POST: logoutEndpoint }],
  ['/auth/revoke', { POST: revokeEndpoint }],
  ['/auth/introspect', { POST: introspectEndpoint }],
]);

export const DELETE_SESSION: AuthEndpoint = deleteSessionEndpoint;
