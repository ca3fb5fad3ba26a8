import { decodeJwt } from 'jose';
import type { PresentedClient } from './presented-client';
import { JWT_BEARER_ASSERTION } from './check-client-assertion';
import { invalidClient, invalidRequest } from './oauth-error';

/**
 * RFC 7521 §4.2: client_assertion_type + client_assertion. client_id is optional; without it the
 * client is the assertion's `sub` (read unverified here only to find whose keys verify it). With
 * it, the assertion must be that client's (checked with the signature). One method per request
 * (RFC 6749 §2.3): no Basic, no client_secret alongside.
 */
export function presentedAssertion(headers: Record<string, string | undefined>, params: Record<string, string>): PresentedClient {
  if (params.client_assertion_type !== JWT_BEARER_ASSERTION) throw invalidRequest(`client_assertion_type must be ${JWT_BEARER_ASSERTION}`);
  const assertion = params.client_assertion;
  if (!assertion) throw invalidRequest('client_assertion is required with client_assertion_type');
  if (/^basic /i.test(headers.authorization ?? '') || params.client_secret !== undefined) {
    throw invalidRequest('Use one client authentication method, not a client assertion and a secret together');
  }
  let sub: string | undefined;
  try {
    sub = decodeJwt(assertion).sub;
  } catch {
    throw invalidClient('Client authentication failed: the client assertion is not a JWT', false);
  }
  const id = params.client_id ?? sub;
  if (!id) throw invalidClient('Client authentication failed: the client assertion has no sub', false);
  return { id, assertion, usedBasic: false };
}
