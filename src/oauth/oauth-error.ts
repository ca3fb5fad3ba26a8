/**
 * An error of an OAuth endpoint, rendered as RFC 6749 §5.2 JSON `{error, error_description}`
 * rather than an OperationOutcome. The code is the RFC's, verbatim.
 */
export type OAuthErrorCode =
  | 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client'
  | 'unsupported_grant_type' | 'invalid_scope' | 'invalid_token'
  | 'unsupported_token_type' | 'temporarily_unavailable'
  // RFC 6749 §4.1.2.1 and OpenID Connect Core §3.1.2.6: answers of the authorization endpoint.
  | 'unsupported_response_type' | 'access_denied' | 'server_error'
  | 'login_required' | 'consent_required' | 'interaction_required';

export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: OAuthErrorCode,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(description);
  }
}

export const invalidRequest = (description: string) => new OAuthError(400, 'invalid_request', description);
export const invalidGrant = (description: string) => new OAuthError(400, 'invalid_grant', description);
export const invalidScope = (description: string) => new OAuthError(400, 'invalid_scope', description);
export const unauthorizedClient = (description: string) => new OAuthError(400, 'unauthorized_client', description);
export const unsupportedGrantType = (description: string) => new OAuthError(400, 'unsupported_grant_type', description);

/** Throttled (OWASP ASVS V2.2.1): 429 and when to come back; RFC 6749 has no code of its own for it. */
export const tooManyAttempts = (retryAfterSeconds: number) =>
  new OAuthError(429, 'temporarily_unavailable', 'Too many failed attempts; try again later', { 'retry-after': String(retryAfterSeconds) });

/**
 * RFC 6749 §5.2: 401; when the client tried HTTP Basic, the response MUST carry WWW-Authenticate
 * naming the scheme it used.
 */
export function invalidClient(description: string, usedBasic: boolean): OAuthError {
  return new OAuthError(401, 'invalid_client', description, usedBasic ? { 'www-authenticate': 'Basic realm="lockbox", charset="UTF-8"' } : {});
}
