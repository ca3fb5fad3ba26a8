import { isSameSecret } from '../auth/hash-secret';
import type { Services } from '../interactions/interaction-context';
import { checkClientAssertion } from './check-client-assertion';
import { invalidClient, invalidRequest, OAuthError, tooManyAttempts } from './oauth-error';
import { presentedAssertion } from './presented-assertion';
import type { PresentedClient } from './presented-client';

export type { PresentedClient } from './presented-client';

export interface AuthenticatedClient {
  id: string;
  resource: Record<string, unknown>;
  /** Whether the client proved itself, with its secret or a signed assertion (a public client may not). */
  withSecret: boolean;
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

/**
 * RFC 6749 §2.3.1: client_secret_basic (id and secret form-encoded, then Basic) or
 * client_secret_post; using both at once is refused.
 */
export function presentedClient(headers: Record<string, string | undefined>, params: Record<string, string>): PresentedClient | undefined {
  if (params.client_assertion !== undefined || params.client_assertion_type !== undefined) return presentedAssertion(headers, params);
  const authorization = headers.authorization;
  if (authorization && /^basic /i.test(authorization)) {
    if (params.client_secret !== undefined) throw invalidRequest('Use one client authentication method, not Basic and client_secret together');
    const decoded = Buffer.from(authorization.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) throw invalidClient('Malformed Basic credentials', true);
    let id: string;
    let secret: string;
    try {
      id = formDecode(decoded.slice(0, colon));
      secret = formDecode(decoded.slice(colon + 1));
    } catch {
      throw invalidClient('Malformed Basic credentials', true);
    }
    if (params.client_id !== undefined && params.client_id !== id) throw invalidRequest('client_id does not match the Basic credentials');
    return { id, secret, usedBasic: true };
  }
  if (params.client_id === undefined) return undefined;
  return { id: params.client_id, secret: params.client_secret, usedBasic: false };
}

const NO_HASH = '0'.repeat(64);

/**
 * The client stage: the presented client exists, is active and, when it shows a secret or must,
 * shows the right one. Every failure is the same invalid_client, whichever check failed, and is
 * counted against the client id and the address; at the limit the answer is 429 (see
 * ClientAuthThrottle).
 */
export async function authenticateClient(
  services: Services,
  presented: PresentedClient | undefined,
  secretRequired: (client: Record<string, unknown>) => boolean,
  address: string | undefined,
): Promise<AuthenticatedClient> {
  if (!presented) throw invalidClient('Client authentication is required', false);
  const client = await services.auth.cache.client(services.db, presented.id);
  const throttle = services.auth.clientThrottle;
  // From this check to the verdict on a secret there is no await, so parallel guesses are each
  // counted before the next one is compared.
  const wait = throttle.retryAfter(presented.id, address);
  if (wait > 0) throw tooManyAttempts(wait);
  const fail = () => {
    throttle.recordFailure(presented.id, address);
    return invalidClient('Client authentication failed', presented.usedBasic);
  };
  if (presented.assertion !== undefined) {
    if (!client || client.resource.active === false) throw fail();
    // A signature cannot be guessed, so parallel assertions need no reservation: a refused one is
    // counted when it is refused.
    try {
      await checkClientAssertion(services, client, presented.assertion);
    } catch (error) {
      if (error instanceof OAuthError && error.error === 'invalid_client') throttle.recordFailure(presented.id, address);
      throw error;
    }
  } else if (presented.secret !== undefined) {
    // Compare even for an unknown client, so timing does not tell which client ids exist.
    const ok = isSameSecret(presented.secret, client?.resource.secret ?? NO_HASH);
    if (!client || !ok) throw fail();
  } else if (!client || secretRequired(client.resource)) {
    throw fail();
  }
  if (client.resource.active === false) throw fail();
  return { id: client.id, resource: client.resource, withSecret: presented.secret !== undefined || presented.assertion !== undefined };
}
