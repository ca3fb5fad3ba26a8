import type { AuthenticatedClient } from './authenticate-client';
import type { Grant } from './grant';
import { checkAudience } from './check-audience';
import { checkScope, parseScope } from './check-scope';
import { grantSettingsOf } from './grant-settings';
import type { TokenResponse } from './mint-tokens';
import type { AuthRequest } from './auth-request';
import { invalidClient, invalidScope } from './oauth-error';
import { startSession } from './start-session';
import { parseSmartScope } from '../smart/smart-scope';

async function issue(req: AuthRequest, client: AuthenticatedClient): Promise<TokenResponse> {
  if (!client.withSecret) throw invalidClient('client_credentials requires the client secret', false);
  const settings = grantSettingsOf(client.resource, 'client_credentials');
  const scope = parseScope(req.params.scope);
  checkScope(scope, client.resource);
  // SMART: patient/ and user/ scopes need a person; a client acting as itself asks for system/ ones
  // (malformed ones are invalid_scope). Refused, not dropped: dropping every resource scope would
  // leave a token that AccessPolicies alone govern, wider than what was asked for.
  const isType = (type: string) => req.services.registry.isResourceType(type);
  const personal = scope.filter((entry) => {
    const parsed = parseSmartScope(entry, isType);
    return parsed.kind === 'resource' && parsed.scope.context !== 'system';
  });
  if (personal.length) throw invalidScope(`${personal.join(' ')}: patient/ and user/ scopes need a person; a client acting as itself asks for system/ scopes`);
  checkAudience(req.params.audience, settings.audience);
  const { response } = await startSession(req.services, { type: 'client_credentials', client, scope, audience: req.params.audience, settings });
  return response;
}

/** RFC 6749 §4.4: the client acts for itself, so it must be confidential (have proved its secret). */
export const clientCredentialsGrant: Grant = { type: 'client_credentials', mustBeListed: true, secretRequired: () => true, issue };
