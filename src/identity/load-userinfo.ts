import { ForeignTokenError } from './foreign-token-error';
import type { IdentityProviderResource } from './load-introspectors';
import { standardClaimsOf } from './standard-claims-of';

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
    // RFC 6750 §3.1: 401/403 is the provider's explicit "not for this token" — distinct from being unreachable.
    if (response.status === 401 || response.status === 403) throw new ForeignTokenError('userinfo-refused', `userinfo at ${url} refused the token (HTTP ${response.status})`);
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

export interface UserinfoFallbackOptions {
  timeoutMs: number;
  /** Told each time the endpoint refuses a token and the token's own claims are used instead. */
  onRefused?(provider: IdentityProviderResource, problem: string): void;
}

/**
 * The userinfo claims for a token whose signature we already verified. Keycloak answers userinfo
 * for a service account's client_credentials token (the tutorial relies on it); other providers
 * (node-oidc-provider, Okta) refuse a token with no end-user behind it (OIDC Core §5.3.3,
 * RFC 6750 §3.1). On that explicit 401/403 the token's own standard claims stand in. A provider
 * that could not be reached still refuses the request: silence proves nothing.
 */
export async function loadUserinfoOrClaims(provider: IdentityProviderResource, token: string, claims: Record<string, unknown>, options: UserinfoFallbackOptions): Promise<Record<string, unknown>> {
  try {
    return await loadUserinfo(provider, token, claims.sub as string, options.timeoutMs);
  } catch (error) {
    if (!(error instanceof ForeignTokenError) || error.reason !== 'userinfo-refused') throw error;
    options.onRefused?.(provider, error.message);
    return standardClaimsOf(claims);
  }
}
