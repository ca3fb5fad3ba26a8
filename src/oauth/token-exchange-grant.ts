import { decodeJwt } from 'jose';
import { ForeignTokenError } from '../identity/foreign-token-error';
import type { ForeignTokenResult } from '../identity/create-foreign-token-verifier';
import type { AuthRequest } from './auth-request';
import type { AuthenticatedClient } from './authenticate-client';
import type { Grant } from './grant';
import { checkAudience } from './check-audience';
import { checkScope, parseScope } from './check-scope';
import { grantSettingsOf } from './grant-settings';
import type { TokenResponse } from './mint-tokens';
import { invalidClient, invalidRequest } from './oauth-error';
import { startSession } from './start-session';

const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

type Params = Record<string, string>;

/** RFC 8693 §3: we take access tokens (JWT or opaque) and JWTs; other token types are not ours to judge. */
function checkSubjectTokenType(params: Params): string {
  const token = params.subject_token;
  if (!token) throw invalidRequest('subject_token is required');
  const type = params.subject_token_type;
  if (!type) throw invalidRequest('subject_token_type is required');
  if (type !== ACCESS_TOKEN_TYPE && type !== JWT_TYPE) throw invalidRequest(`subject_token_type '${type}' is not supported; use ${ACCESS_TOKEN_TYPE} or ${JWT_TYPE}`);
  if (type === JWT_TYPE && token.split('.').length !== 3) throw invalidRequest('subject_token is not a JWT');
  return token;
}

/**
 * We issue access tokens only (RFC 8693 §2.1 requested_token_type); a JWT when the client's
 * token_exchange settings say so. Delegation (actor_token, §1.1) is not supported: issuing a
 * token that silently drops the actor would turn delegation into impersonation.
 */
function checkRequestedTokenType(params: Params, jwt: boolean): string {
  if (params.actor_token !== undefined || params.actor_token_type !== undefined) throw invalidRequest('actor_token (delegation) is not supported');
  const requested = params.requested_token_type ?? ACCESS_TOKEN_TYPE;
  if (requested === ACCESS_TOKEN_TYPE || (requested === JWT_TYPE && jwt)) return requested;
  throw invalidRequest(`requested_token_type '${requested}' cannot be issued to this client`);
}

/** The issuer must be one the client lists in allowedIssuers — before we spend a call to its provider when it says so itself. */
function checkAllowedIssuer(client: AuthenticatedClient, iss: unknown): void {
  const allowed = Array.isArray(client.resource.allowedIssuers) ? (client.resource.allowedIssuers as string[]) : [];
  if (typeof iss !== 'string' || !allowed.includes(iss)) throw invalidRequest(`the subject_token's issuer ${typeof iss === 'string' ? iss : '(none)'} is not allowed for this client`);
}

function claimedIssuer(token: string): string | undefined {
  try {
    return decodeJwt(token).iss;
  } catch {
    return undefined;
  }
}

/**
 * RFC 8693 §2.2.2: a subject_token that is "invalid for any reason, or unacceptable based on
 * policy" MUST be answered with invalid_request (not invalid_grant).
 */
async function verifySubjectToken(req: AuthRequest, client: AuthenticatedClient, token: string): Promise<ForeignTokenResult> {
  if (token.split('.').length === 3) checkAllowedIssuer(client, claimedIssuer(token));
  let result: ForeignTokenResult;
  try {
    result = await req.services.foreignTokens.verify(token);
  } catch (error) {
    if (error instanceof ForeignTokenError) throw invalidRequest(`the subject_token is not valid: ${error.message}`);
    throw error;
  }
  checkAllowedIssuer(client, result.claims.iss);
  return result;
}

async function issue(req: AuthRequest, client: AuthenticatedClient): Promise<TokenResponse> {
  // §2.1: client authentication as for any grant; a public client could trade any token it found.
  if (!client.withSecret) throw invalidClient('token exchange requires client authentication', false);
  const settings = grantSettingsOf(client.resource, 'token_exchange');
  const token = checkSubjectTokenType(req.params);
  const issuedTokenType = checkRequestedTokenType(req.params, settings.token_format === 'jwt');
  const scope = parseScope(req.params.scope);
  checkScope(scope, client.resource);
  checkAudience(req.params.audience, settings.audience);
  const subject = await verifySubjectToken(req, client, token);
  if (!subject.user) throw invalidRequest('the subject_token names no local User (no box_user, no identifier for its sub, and none was created)');
  if (subject.user.resource.inactive === true) throw invalidRequest("the subject_token's User is inactive");
  const { response } = await startSession(req.services, { type: 'token-exchange', client, user: subject.user, scope, audience: req.params.audience, settings });
  return { ...response, issued_token_type: issuedTokenType };
}

/**
 * RFC 8693 token exchange: a token from a trusted issuer (Client.allowedIssuers, verified by its
 * TokenIntrospector) becomes our own token for the same local User, issued per
 * Client.auth.token_exchange, in a Session of type `token-exchange`.
 */
export const tokenExchangeGrant: Grant = {
  type: 'urn:ietf:params:oauth:grant-type:token-exchange',
  mustBeListed: true,
  secretRequired: () => true,
  issue,
};
