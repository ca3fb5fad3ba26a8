import { NO_STORE, type AuthRequest, type AuthResponse } from './auth-request';
import { authenticateClient, presentedClient, type AuthenticatedClient } from './authenticate-client';
import type { Grant } from './grant';
import { findGrant } from './grant-registry';
import { grantTypesOf } from './grant-settings';
import { invalidRequest, unauthorizedClient, unsupportedGrantType } from './oauth-error';
import { metricsOf } from '../metrics/metrics-of';

function checkGrantType(params: Record<string, string>): Grant {
  const grantType = params.grant_type;
  if (!grantType) throw invalidRequest('grant_type is required');
  const grant = findGrant(grantType);
  if (!grant) throw unsupportedGrantType(`grant_type '${grantType}' is not supported`);
  return grant;
}

function checkClientGrant(grant: Grant, client: AuthenticatedClient): void {
  if (grant.mustBeListed && !grantTypesOf(client.resource).includes(grant.type)) throw unauthorizedClient(`The client may not use grant_type ${grant.type}`);
}

/**
 * POST /auth/token (RFC 6749 §3.2), one stage per line:
 *   grant type → client authentication → grant allowed for the client → the grant → response.
 * The grants and their rules are the registry's (grant-registry.ts).
 */
export async function tokenEndpoint(req: AuthRequest): Promise<AuthResponse> {
  if (req.method !== 'POST') throw invalidRequest('The token endpoint takes POST');
  const grant = checkGrantType(req.params);
  const presented = presentedClient(req.headers, req.params);
  const client = await authenticateClient(req.services, presented, grant.secretRequired, req.address);
  checkClientGrant(grant, client);
  const body = await grant.issue(req, client);
  metricsOf(req.services).tokenIssued(grant.type);
  return { status: 200, body, headers: { ...NO_STORE } };
}
