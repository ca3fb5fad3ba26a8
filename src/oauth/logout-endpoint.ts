import type { AuthRequest, AuthResponse } from './auth-request';
import { authenticateBearer } from './authenticate-bearer';
import { endSession } from './end-session';
import { asidCookie } from './asid-cookie';
import { OAuthError } from './oauth-error';

/**
 * POST /auth/logout: ends the current session (cookie or bearer token) and clears the cookie.
 * Logging out twice, or with a dead session, still succeeds: the outcome the caller wants holds.
 */
export async function logoutEndpoint(req: AuthRequest): Promise<AuthResponse> {
  let sessionId: string | undefined;
  try {
    sessionId = (await authenticateBearer(req)).session?.id;
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
  }
  if (sessionId) await endSession(req.services, sessionId);
  return { status: 204, headers: { 'set-cookie': asidCookie('', 0, req.services.config.baseUrl.startsWith('https:')), 'cache-control': 'no-store' } };
}
