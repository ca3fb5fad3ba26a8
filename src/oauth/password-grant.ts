import type { AuthenticatedClient } from './authenticate-client';
import type { Grant } from './grant';
import { checkAudience } from './check-audience';
import { checkScope, parseScope } from './check-scope';
import { grantSettingsOf, isPublicPasswordClient } from './grant-settings';
import type { TokenResponse } from './mint-tokens';
import type { AuthRequest } from './auth-request';
import { startSession } from './start-session';
import { verifyUserPassword } from './verify-user-password';

async function issue(req: AuthRequest, client: AuthenticatedClient): Promise<TokenResponse> {
  const settings = grantSettingsOf(client.resource, 'password');
  const scope = parseScope(req.params.scope);
  checkScope(scope, client.resource);
  checkAudience(req.params.audience, settings.audience);
  const user = await verifyUserPassword(req.services, req.services.db, { username: req.params.username, password: req.params.password, address: req.address });
  const { response } = await startSession(req.services, { type: 'password', client, user, scope, audience: req.params.audience, settings });
  return response;
}

/** RFC 6749 §4.3: resource owner password credentials, for confidential and (if the client says so) public clients. */
export const passwordGrant: Grant = { type: 'password', mustBeListed: true, secretRequired: (client) => !isPublicPasswordClient(client), issue };
