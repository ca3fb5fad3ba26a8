import type { AuthRequest, AuthResponse } from './auth-request';
import { withoutPaths } from '../interactions/secret-paths';
import { NO_STORE } from './auth-request';
import { authenticateBearer } from './authenticate-bearer';
import { OAuthError } from './oauth-error';
import { userClaims } from './user-claims';

/**
 * GET|POST /auth/userinfo (OpenID Connect Core §5.3). A token granted `openid` gets `sub` and the
 * standard claims its scopes release (§5.4), the same as its id_token. Any other user credential
 * (a login cookie, a password grant without openid) gets the reference product's answer: the User
 * resource with `sub`, never with the password hash.
 */
export async function userinfoEndpoint(req: AuthRequest): Promise<AuthResponse> {
  const auth = await authenticateBearer(req);
  if (!auth.user) {
    const reason = auth.client ? 'The token does not belong to a user' : 'A bearer token or login cookie is required';
    throw new OAuthError(401, 'invalid_token', reason, { 'www-authenticate': `Bearer realm="lockbox"${auth.client ? ', error="invalid_token"' : ''}` });
  }
  const scope = Array.isArray(auth.session?.resource.scope) ? (auth.session!.resource.scope as string[]) : [];
  if (auth.method === 'bearer' && scope.includes('openid')) {
    return { status: 200, body: { sub: auth.user.id, ...userClaims(auth.user.resource, scope) }, headers: { ...NO_STORE } };
  }
  const user = withoutPaths(auth.user.resource, req.services.hooks.hiddenFields.get('User') ?? []);
  return { status: 200, body: { sub: auth.user.id, resourceType: 'User', id: auth.user.id, ...user }, headers: { ...NO_STORE } };
}
