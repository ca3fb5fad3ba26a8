import { createHash, timingSafeEqual } from 'node:crypto';
import { hashSecret } from '../auth/hash-secret';
import type { Services } from '../interactions/interaction-context';
import type { AuthRequest } from './auth-request';
import type { AuthenticatedClient } from './authenticate-client';
import { endSession } from './end-session';
import type { Grant } from './grant';
import { grantSettingsOf, isPublicClient } from './grant-settings';
import { mintTokens, type TokenResponse } from './mint-tokens';
import { invalidGrant, invalidRequest } from './oauth-error';
import { compact, sessionContext } from './start-session';
import type { LaunchContext } from '../smart/launch-context';

interface CodeRow {
  session_id: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  redirect_uri_sent: boolean;
  code_challenge: string | null;
  nonce: string | null;
  scope: string[];
  audience: string | null;
  parent_session: string | null;
  auth_time: string;
  context: LaunchContext | null;
  live: boolean;
  used: boolean;
  user_resource: Record<string, unknown> | null;
}

/** RFC 7636 §4.1: code_verifier = 43*128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

function isSameText(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

/**
 * The redemption, one statement: the code is claimed (still unused, unexpired) and its Session
 * inserted with its history, or nothing happens. Two presentations of one code contend for one
 * row: the second waits for the first to commit, then finds the code used — and, the Session being
 * committed with the claim, can revoke it.
 */
const REDEEM = `with claimed as (
    update authorization_code set used_at = now()
    where code_hash = $1 and used_at is null and expires_at > now()
    returning session_id
  ), ins as (
    insert into session (id, txid, cts, ts, resource_type, status, resource)
    select session_id, nextval('txid_seq'), now(), now(), 'Session', 'created', $2::jsonb from claimed
    returning id, txid, cts, ts, resource_type, status, resource
  ), hist as (
    insert into session_history (id, txid, cts, ts, resource_type, status, resource)
    select id, txid, cts, ts, resource_type, status, resource from ins
  )
  select count(*)::int as n from ins`;

async function revokeReplayed(services: Services, sessionId: string): Promise<Error> {
  await endSession(services, sessionId);
  return invalidGrant('The authorization code was already used; the tokens issued from it are revoked');
}

/**
 * RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.6): the code must be live, unused, issued to this client
 * for this redirect URI, and the verifier must hash to its challenge. A code presented a second
 * time revokes every token issued from it.
 */
async function issue(req: AuthRequest, client: AuthenticatedClient): Promise<TokenResponse> {
  const { services, params } = req;
  if (!params.code) throw invalidRequest('code is required');
  const codeHash = hashSecret(params.code);
  const { rows } = await services.db.query<CodeRow>(
    `select c.*, c.expires_at > now() as live, c.used_at is not null as used, u.resource as user_resource
       from authorization_code c left join "user" u on u.id = c.user_id where c.code_hash = $1`,
    [codeHash],
  );
  const code = rows[0];
  if (!code) throw invalidGrant('The authorization code is not valid');
  if (code.used) throw await revokeReplayed(services, code.session_id);
  if (code.client_id !== client.id) throw invalidGrant('The authorization code was issued to another client');
  if (!code.live) throw invalidGrant('The authorization code has expired');
  if ((code.redirect_uri_sent || params.redirect_uri !== undefined) && params.redirect_uri !== code.redirect_uri) {
    throw invalidGrant('redirect_uri is not the one of the authorization request');
  }
  const verifier = params.code_verifier;
  if (code.code_challenge) {
    if (verifier === undefined) throw invalidGrant('code_verifier is required (the authorization request used PKCE)');
    if (!VERIFIER.test(verifier)) throw invalidGrant('code_verifier must be 43 to 128 unreserved characters');
    if (!isSameText(createHash('sha256').update(verifier).digest('base64url'), code.code_challenge)) throw invalidGrant('code_verifier does not match the code_challenge');
  } else if (verifier !== undefined) {
    // RFC 9700 §4.8.2: a verifier for a code issued without a challenge is a PKCE downgrade attempt.
    throw invalidGrant('code_verifier was sent, but the authorization request had no code_challenge');
  }
  const user = code.user_resource;
  if (!user || user.inactive === true) throw invalidGrant('The user who authorized this code can no longer sign in');

  const configured = grantSettingsOf(client.resource, 'authorization_code');
  // SMART: offline_access and online_access ask for a refresh token (online: one that dies with the sign-in).
  const wantsRefresh = code.scope.includes('offline_access') || code.scope.includes('online_access');
  const settings = wantsRefresh ? { ...configured, refresh_token: true } : configured;
  const authTime = Number(code.auth_time);
  const launch = code.context ?? undefined;
  const minted = await mintTokens(services, {
    sessionId: code.session_id,
    client,
    user: { id: code.user_id, resource: user },
    scope: code.scope,
    audience: code.audience ?? undefined,
    settings,
    authTime,
    nonce: code.nonce ?? undefined,
    launch,
  });
  const session = compact({
    type: 'authorization_code',
    client: { id: client.id, resourceType: 'Client' },
    user: { id: code.user_id, resourceType: 'User' },
    scope: code.scope.length ? code.scope : undefined,
    audience: code.audience ?? undefined,
    parent: code.parent_session ? { id: code.parent_session, resourceType: 'Session' } : undefined,
    patient: launch?.patient ? { id: launch.patient, resourceType: 'Patient' } : undefined,
    authorization_code: codeHash,
    ctx: sessionContext(authTime, launch),
    start: new Date().toISOString(),
    active: true,
    ...minted.sessionFields,
  });
  const { rows: redeemed } = await services.db.query<{ n: number }>(REDEEM, [codeHash, JSON.stringify(session)]);
  if (redeemed[0]?.n !== 1) {
    // Lost the race to another presentation (or the code expired meanwhile).
    const { rows: again } = await services.db.query<{ used: boolean }>('select used_at is not null as used from authorization_code where code_hash = $1', [codeHash]);
    if (again[0]?.used) throw await revokeReplayed(services, code.session_id);
    throw invalidGrant('The authorization code has expired');
  }
  services.db.announce({ resourceType: 'Session', id: code.session_id, op: 'create' });
  return minted.response;
}

/**
 * grant_type=authorization_code: a confidential client authenticates as on every grant; a public
 * one (see isPublicClient) sends only its client_id, and PKCE stands in for the secret.
 */
export const authorizationCodeGrant: Grant = { type: 'authorization_code', mustBeListed: true, secretRequired: (client) => !isPublicClient(client), issue };
