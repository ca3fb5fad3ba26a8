import { whySessionIsDead, type LoadedSession } from '../auth/load-session';
import { NO_STORE, type AuthRequest, type AuthResponse } from './auth-request';
import { authenticateClient, presentedClient, type AuthenticatedClient } from './authenticate-client';
import { findTokenSession } from './find-token-session';
import { invalidRequest } from './oauth-error';

const inactive = { status: 200, body: { active: false }, headers: { ...NO_STORE } };

/** The Client `type` of APIs that check the tokens presented to them: they may introspect any token. */
const RESOURCE_SERVER = 'resource-server';

/**
 * RFC 7662 §2.1 and §4: the server decides who may learn about a token. Here that is the client the
 * token was issued to, and resource servers; to any other client every token is inactive, so asking
 * tells it nothing about the token, its user or its session.
 */
function mayIntrospect(caller: AuthenticatedClient, session: LoadedSession): boolean {
  return session.client?.id === caller.id || caller.resource.type === RESOURCE_SERVER;
}

function fhirUserOf(user: Record<string, unknown> | undefined, issuer: string): string | undefined {
  const ref = user?.fhirUser as { id?: string; resourceType?: string } | undefined;
  return ref?.id && ref.resourceType ? `${issuer}/fhir/${ref.resourceType}/${ref.id}` : undefined;
}

/**
 * POST /auth/introspect (RFC 7662). Only an authenticated client may ask (§2.1); expired, revoked,
 * unknown tokens (those of other issuers too), tokens of inactive users and tokens the caller may
 * not introspect are all just `{"active": false}` (§2.2).
 */
export async function introspectEndpoint(req: AuthRequest): Promise<AuthResponse> {
  if (req.method !== 'POST') throw invalidRequest('The introspection endpoint takes POST');
  const caller = await authenticateClient(req.services, presentedClient(req.headers, req.params), () => true, req.address);
  const token = req.params.token;
  if (!token) throw invalidRequest('token is required');
  const found = await findTokenSession(req.services.db, token, req.params.token_type_hint);
  if (!found || !mayIntrospect(caller, found.session)) return inactive;
  const { session, kind } = found;
  const body = session.resource;
  const now = Math.floor(Date.now() / 1000);
  const exp = kind === 'refresh_token' ? body.refresh_token_exp : body.exp;
  if (whySessionIsDead({ ...session, resource: { ...body, exp: undefined } }) || (typeof exp === 'number' && exp <= now)) return inactive;
  const scope = Array.isArray(body.scope) ? (body.scope as string[]).join(' ') : undefined;
  return {
    status: 200,
    headers: { ...NO_STORE },
    body: {
      active: true,
      scope: scope || undefined,
      client_id: session.client?.id,
      username: session.user?.resource.userName,
      token_type: kind === 'access_token' ? 'Bearer' : 'refresh_token',
      exp,
      iat: Math.floor(new Date(String(body.start)).getTime() / 1000),
      sub: session.user?.id ?? session.client?.id,
      aud: body.audience ?? req.services.config.baseUrl,
      iss: req.services.config.baseUrl,
      sid: session.id,
      // SMART: the launch patient and who the user is in FHIR terms.
      patient: (body.patient as { id?: string } | undefined)?.id,
      fhirUser: fhirUserOf(session.user?.resource, req.services.config.baseUrl),
    },
  };
}
