import { NO_STORE, type AuthRequest, type AuthResponse } from './auth-request';
import { authenticateClient, presentedClient, type AuthenticatedClient } from './authenticate-client';
import { clientCredentialsGrant } from './client-credentials-grant';
import { grantSettingsOf, grantTypesOf, type GrantType } from './grant-settings';
import type { TokenResponse } from './mint-tokens';
import { invalidRequest, unauthorizedClient, unsupportedGrantType } from './oauth-error';
import { passwordGrant } from './password-grant';
import { refreshTokenGrant } from './refresh-token-grant';
import { TOKEN_EXCHANGE, tokenExchangeGrant } from './token-exchange-grant';

type Grant = (req: AuthRequest, client: AuthenticatedClient) => Promise<TokenResponse>;

const GRANTS: Record<GrantType, Grant> = {
  client_credentials: clientCredentialsGrant,
  password: passwordGrant,
  refresh_token: refreshTokenGrant,
  [TOKEN_EXCHANGE]: tokenExchangeGrant,
};

function checkGrantType(params: Record<string, string>): GrantType {
  const grantType = params.grant_type;
  if (!grantType) throw invalidRequest('grant_type is required');
  if (!Object.hasOwn(GRANTS, grantType)) throw unsupportedGrantType(`grant_type '${grantType}' is not supported`);
  return grantType as GrantType;
}

/**
 * Whether the client must prove its secret for this grant. auth.password.secret_required lets a
 * public (e.g. first-party) client use the password grant, and then refresh what it got.
 */
export function isSecretRequired(grantType: GrantType, client: Record<string, unknown>): boolean {
  if (grantType === 'client_credentials' || grantType === TOKEN_EXCHANGE) return true;
  return grantSettingsOf(client, 'password').secret_required === true || !grantTypesOf(client).includes('password');
}

/** A refresh is allowed to whoever got the refresh token; every other grant must be listed. */
function checkClientGrant(grantType: GrantType, client: AuthenticatedClient): void {
  if (grantType === 'refresh_token') return;
  if (!grantTypesOf(client.resource).includes(grantType)) throw unauthorizedClient(`The client may not use grant_type ${grantType}`);
}

/**
 * POST /auth/token (RFC 6749 §3.2), one stage per line:
 *   grant type → client authentication → grant allowed for the client → the grant → response.
 */
export async function tokenEndpoint(req: AuthRequest): Promise<AuthResponse> {
  if (req.method !== 'POST') throw invalidRequest('The token endpoint takes POST');
  const grantType = checkGrantType(req.params);
  const presented = presentedClient(req.headers, req.params);
  const client = await authenticateClient(req.services, presented, (stored) => isSecretRequired(grantType, stored), req.address);
  checkClientGrant(grantType, client);
  const body = await GRANTS[grantType](req, client);
  return { status: 200, body, headers: { ...NO_STORE } };
}
