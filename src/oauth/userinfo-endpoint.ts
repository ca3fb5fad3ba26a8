import type { AuthRequest, AuthResponse } from './auth-request';
import { withoutPaths } from '../interactions/secret-paths';
import { NO_STORE } from './auth-request';
import { authenticateBearer } from './authenticate-bearer';
import { OAuthError } from './oauth-error';

/**
 * GET|POST /auth/userinfo (OpenID Connect Core §5.3): the current user — by bearer token or login
 * cookie — as the User resource with `sub`, never with the password hash.
 */
export async function userinfoEndpoint(req: AuthRequest): Promise<AuthResponse> {
  const auth = await authenticateBearer(req);
  if (!auth.user) {
    const reason = auth.client ? 'The token does not belong to a user' : 'A bearer token or login cookie is required';
    throw new OAuthError(401, 'invalid_token', reason, { 'www-authenticate': `Bearer realm="lockbox"${auth.client ? ', error="invalid_token"' : ''}` });
  }
  const user = withoutPaths(auth.user.resource, req.services.hooks.hiddenFields.get('User') ?? []);
  return { status: 200, body: { sub: auth.user.id, resourceType: 'User', id: auth.user.id, ...user }, headers: { ...NO_STORE } };
}
