import { ForeignTokenError } from './foreign-token-error';
import type { IdentityProviderResource } from './load-introspectors';

/**
 * OIDC Core §5.3: GET the provider's userinfo endpoint with the caller's own access token
 * (RFC 6750 §2.1). The answer's `sub` must be the token's (§5.3.2: otherwise "the UserInfo
 * Response values MUST NOT be used"). Throws ForeignTokenError; bounded by timeoutMs.
 */
export async function loadUserinfo(provider: IdentityProviderResource, token: string, sub: string, timeoutMs: number): Promise<Record<string, unknown>> {
  const url = provider.userinfo_endpoint;
  if (!url) throw new ForeignTokenError('misconfigured', 'the IdentityProvider has no userinfo_endpoint');
  let body: unknown;
  try {
    const response = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
    if (!response.ok) throw new ForeignTokenError('provider-unavailable', `userinfo at ${url} answered HTTP ${response.status}`);
    body = await response.json();
  } catch (error) {
    if (error instanceof ForeignTokenError) throw error;
    if ((error as Error).name === 'TimeoutError') throw new ForeignTokenError('provider-unavailable', `userinfo at ${url} did not answer within ${timeoutMs / 1000} s`);
    throw new ForeignTokenError('provider-unavailable', `userinfo at ${url} failed: ${(error as Error).message}`);
  }
  const claims = body as Record<string, unknown> | null;
  if (!claims || typeof claims !== 'object' || claims.sub !== sub) throw new ForeignTokenError('invalid-signature', `userinfo at ${url} answered for another subject`);
  return claims;
}
