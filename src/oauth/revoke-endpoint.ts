import { NO_STORE, type AuthRequest, type AuthResponse } from './auth-request';
import { authenticateClient, presentedClient } from './authenticate-client';
import { endSession } from './end-session';
import { findTokenSession } from './find-token-session';
import { invalidRequest } from './oauth-error';
import { refreshTokenGrant } from './refresh-token-grant';

/**
 * POST /auth/revoke (RFC 7009). Either token ends the whole session: one session is one grant, and
 * §2.1 lets revoking an access token take the refresh token with it. Unknown tokens, and tokens of
 * other clients, still answer 200 (§2.2), so the endpoint tells nothing about them. A client
 * that may refresh without its secret may revoke without it.
 */
export async function revokeEndpoint(req: AuthRequest): Promise<AuthResponse> {
  if (req.method !== 'POST') throw invalidRequest('The revocation endpoint takes POST');
  const client = await authenticateClient(req.services, presentedClient(req.headers, req.params), refreshTokenGrant.secretRequired, req.address);
  const token = req.params.token;
  if (!token) throw invalidRequest('token is required');
  const found = await findTokenSession(req.services.db, token, req.params.token_type_hint);
  if (found && found.session.client?.id === client.id) await endSession(req.services, found.session.id);
  return { status: 200, headers: { ...NO_STORE } };
}
