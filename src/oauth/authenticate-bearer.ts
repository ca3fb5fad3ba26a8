import type { AuthContext } from '../auth/auth-context';
import { authenticateRequest } from '../auth/authenticate-request';
import { HttpError } from '../errors/http-error';
import type { AuthRequest } from './auth-request';
import { OAuthError } from './oauth-error';

/**
 * The request's caller for an /auth endpoint: refused credentials become the RFC 6750 §3.1
 * `invalid_token` error (JSON, with the Bearer challenge) instead of an OperationOutcome, and a
 * throttled Basic client the same 429 the token endpoint answers.
 */
export async function authenticateBearer(req: AuthRequest): Promise<AuthContext> {
  try {
    return await authenticateRequest(req.services, req.headers, req.address);
  } catch (error) {
    if (error instanceof HttpError && error.status === 401) throw new OAuthError(401, 'invalid_token', error.message, error.headers);
    if (error instanceof HttpError && error.status === 429) throw new OAuthError(429, 'temporarily_unavailable', error.message, error.headers);
    throw error;
  }
}
