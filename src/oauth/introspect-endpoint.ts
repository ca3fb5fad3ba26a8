import { whySessionIsDead } from '../auth/load-session';
import { NO_STORE, type AuthRequest, type AuthResponse } from './auth-request';
import { authenticateClient, presentedClient } from './authenticate-client';
import { findTokenSession } from './find-token-session';
import { invalidRequest } from './oauth-error';

const inactive = { status: 200, body: { active: false }, headers: { ...NO_STORE } };

/**
 * POST /auth/introspect (RFC 7662). Only an authenticated client may ask (§2.1); expired, revoked,
 * unknown tokens and tokens of inactive users are all just `{"active": false}` (§2.2).
 */
export async function introspectEndpoint(req: AuthRequest): Promise<AuthResponse> {
  if (req.method !== 'POST') throw invalidRequest('The introspection endpoint takes POST');
  await authenticateClient(req.services, presentedClient(req.headers, req.params), () => true, req.address);
  const token = req.params.token;
  if (!token) throw invalidRequest('token is required');
  const found = await findTokenSession(req.services.db, token, req.params.token_type_hint);
  if (!found) return inactive;
  const { session, kind } = found;
  const body = session.resource;
  const now = Math.floor(Date.now() / 1000);
  const exp = kind === 'refresh_token' ? body.refresh_token_exp : body.exp;
  if (whySessionIsDead({ ...session, resource: { ...body, exp: undefined } }) || (typeof exp === 'number' && exp <= now)) return inactive;
  const scope = Array.isArray(body.scope) ? (body.scope as string[]).join(' ') : undefined;
  return {
    status: 200,
    headers: { ...NO_STORE },
    body: {
      active: true,
      scope: scope || undefined,
      client_id: session.client?.id,
      username: session.user?.resource.userName,
      token_type: kind === 'access_token' ? 'Bearer' : 'refresh_token',
      exp,
      iat: Math.floor(new Date(String(body.start)).getTime() / 1000),
      sub: session.user?.id ?? session.client?.id,
      aud: body.audience ?? req.services.config.baseUrl,
      iss: req.services.config.baseUrl,
      sid: session.id,
    },
  };
}
