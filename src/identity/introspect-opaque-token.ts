import { ForeignTokenError } from './foreign-token-error';
import type { Introspector } from './load-introspectors';

export interface IntrospectionOptions {
  /** The whole exchange with the introspection endpoint, connection included. */
  timeoutMs: number;
}

/**
 * RFC 7662 §2: POST the token as a form to the introspector's endpoint, with its configured
 * Authorization header (the protected resource's own credentials, §2.1). Only `active: true`
 * (§2.2) is accepted; the response members are the token's claims. Throws ForeignTokenError.
 */
export async function introspectOpaqueToken(introspector: Introspector, token: string, options: IntrospectionOptions): Promise<Record<string, unknown>> {
  const endpoint = introspector.resource.introspection_endpoint;
  if (introspector.problem || !endpoint?.url) {
    throw new ForeignTokenError('misconfigured', `TokenIntrospector ${introspector.id} ${introspector.problem ?? 'has no introspection_endpoint.url'}`);
  }
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (endpoint.authorization) headers.authorization = endpoint.authorization;

  let body: unknown;
  try {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers,
      body: new URLSearchParams({ token }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    if (!response.ok) throw new ForeignTokenError('provider-unavailable', `token introspection at ${endpoint.url} answered HTTP ${response.status}`);
    body = await response.json();
  } catch (error) {
    if (error instanceof ForeignTokenError) throw error;
    if ((error as Error).name === 'TimeoutError') {
      throw new ForeignTokenError('provider-unavailable', `token introspection at ${endpoint.url} did not answer within ${options.timeoutMs / 1000} s`);
    }
    throw new ForeignTokenError('provider-unavailable', `token introspection at ${endpoint.url} failed: ${(error as Error).message}`);
  }

  const claims = body as Record<string, unknown> | null;
  if (!claims || typeof claims !== 'object' || claims.active !== true) throw new ForeignTokenError('inactive', 'token is not active');
  // An endpoint may still say active for a token past its exp; we do not (RFC 7662 §4).
  if (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now()) throw new ForeignTokenError('expired', 'token expired');
  return claims;
}
