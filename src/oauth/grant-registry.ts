import { authorizationCodeGrant } from './authorization-code-grant';
import { clientCredentialsGrant } from './client-credentials-grant';
import type { Grant } from './grant';
import { passwordGrant } from './password-grant';
import { refreshTokenGrant } from './refresh-token-grant';
import { tokenExchangeGrant } from './token-exchange-grant';

/**
 * The grants of POST /auth/token, in the order discovery lists them (`grant_types_supported`).
 * Adding a grant is a file exporting a Grant and a line here.
 */
export const GRANTS: readonly Grant[] = [authorizationCodeGrant, clientCredentialsGrant, passwordGrant, refreshTokenGrant, tokenExchangeGrant];

const byType = new Map(GRANTS.map((grant) => [grant.type, grant]));

export function findGrant(type: string): Grant | undefined {
  return byType.get(type);
}
