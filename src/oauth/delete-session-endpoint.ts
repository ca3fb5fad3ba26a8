import { authenticateRequest, loginRequired } from '../auth/authenticate-request';
import type { AuthRequest, AuthResponse } from './auth-request';
import { endSession } from './end-session';

/** `DELETE /Session` with the session's own token: the reference product's way to log out. */
export async function deleteSessionEndpoint(req: AuthRequest): Promise<AuthResponse> {
  const auth = await authenticateRequest(req.services, req.headers, req.address);
  if (!auth.session) throw loginRequired('A session token or cookie is required', 'Bearer', false);
  await endSession(req.services, auth.session.id);
  return { status: 204, headers: { 'cache-control': 'no-store' } };
}
