import { hashSecret } from '../auth/hash-secret';
import type { Services } from '../interactions/interaction-context';
import { loadSession, whySessionIsDead } from '../auth/load-session';
import { updateResource } from '../store/resource-store';
import type { AuthRequest } from './auth-request';
import type { AuthenticatedClient } from './authenticate-client';
import type { Grant } from './grant';
import { checkScopeWithin, parseScope } from './check-scope';
import { endSession } from './end-session';
import { grantSettingsOf, isPublicClient, isPublicPasswordClient, mayOmitSecret } from './grant-settings';
import { mintTokens, type TokenResponse } from './mint-tokens';
import { invalidClient, invalidGrant, invalidRequest } from './oauth-error';
import { compact } from './start-session';
import type { LaunchContext } from '../smart/launch-context';

async function issue(req: AuthRequest, client: AuthenticatedClient): Promise<TokenResponse> {
  const { services } = req;
  const presented = req.params.refresh_token;
  if (!presented) throw invalidRequest('refresh_token is required');
  const hash = hashSecret(presented);
  const session = await loadSession(services.db, 'refresh_token', hash);
  if (!session) {
    // The rotation and the claim commit together (below), so a token not found live here is
    // found used here: there is no moment when a used token is neither.
    const { rows } = await services.db.query<{ session_id: string }>('select session_id from used_refresh_token where token_hash = $1', [hash]);
    if (rows[0]) throw await revokeReplayed(services, rows[0].session_id);
    throw invalidGrant('The refresh token is not valid');
  }
  const body = session.resource;
  // RFC 6749 §10.4: a refresh token is bound to the client it was issued to.
  if (session.client?.id !== client.id) throw invalidGrant('The refresh token was issued to another client');
  // Without the secret, only a session of a grant the client may use without it can be refreshed:
  // a client public for the code flow still needs its secret for a password session that did.
  if (!client.withSecret && !mayRefreshWithoutSecret(client.resource, String(body.type))) throw invalidClient('Refreshing this session needs the client secret', false);
  const now = Math.floor(Date.now() / 1000);
  if (body.active === false) throw invalidGrant('The session has ended');
  if (typeof body.refresh_token_exp === 'number' && body.refresh_token_exp <= now) throw invalidGrant('The refresh token has expired');
  // The access token's expiry does not matter here: refreshing an expired access token is the point.
  const dead = whySessionIsDead({ ...session, resource: { ...body, exp: undefined } });
  if (dead) throw invalidGrant(dead);
  const granted = Array.isArray(body.scope) ? (body.scope as string[]) : [];
  // SMART online_access: the refresh token lives only as long as the sign-in it came from.
  const parent = (body.parent as { id?: string } | undefined)?.id;
  if (granted.includes('online_access') && !granted.includes('offline_access') && parent) {
    const signIn = await services.auth.cache.session(services.db, 'id', parent);
    if (!signIn || whySessionIsDead(signIn)) throw invalidGrant('The sign-in this online_access token came from has ended');
  }
  const ctx = (body.ctx ?? {}) as { auth_time?: unknown; launch?: LaunchContext };
  const requested = parseScope(req.params.scope);
  checkScopeWithin(requested, granted);
  const scope = requested.length ? requested : granted;
  const settings = grantSettingsOf(client.resource, String(body.type));
  const minted = await mintTokens(services, {
    sessionId: session.id,
    client,
    user: session.user,
    scope,
    audience: typeof body.audience === 'string' ? body.audience : undefined,
    // The refresh token's own lifetime counts from the grant, not from each refresh.
    settings: { ...settings, refresh_token: true, refresh_token_expiration: undefined },
    // A browser grant remembers when the person signed in; for the others it is when the grant began.
    authTime: typeof ctx.auth_time === 'number' ? ctx.auth_time : Math.floor(new Date(String(body.start)).getTime() / 1000),
    launch: ctx.launch,
  });
  const rotated = compact({ ...body, ...minted.sessionFields, refresh_token_exp: body.refresh_token_exp, scope: scope.length ? scope : undefined });
  const claimed = await services.db.transaction(async (tx) => {
    // The claim is one statement: of any number of presentations of one token, concurrent or not,
    // exactly one inserts the row; the others wait on it (same key) and then find it taken. A
    // presentation that read the session as live before the winner committed ends up here too,
    // and is a replay like any other.
    const claim = await tx.query('insert into used_refresh_token (token_hash, session_id) values ($1, $2) on conflict do nothing returning token_hash', [hash, session.id]);
    if (claim.rows.length === 0) return false;
    // Nobody else can rotate this session now; a version changed since it was read means it was
    // ended (or edited) meanwhile: roll the claim back and refuse.
    if (!(await updateResource(tx, 'Session', session.id, rotated, session.txid))) throw invalidGrant('The session changed while it was being refreshed');
    return true;
  });
  if (!claimed) throw await revokeReplayed(services, session.id);
  return minted.response;
}

function mayRefreshWithoutSecret(client: Record<string, unknown>, sessionType: string): boolean {
  if (sessionType === 'password') return isPublicPasswordClient(client);
  if (sessionType === 'authorization_code' || sessionType === 'implicit') return isPublicClient(client);
  return false;
}

/** RFC 9700 §4.14.2: the legitimate client and an attacker both hold the token; neither keeps the session. */
async function revokeReplayed(services: Services, sessionId: string): Promise<Error> {
  await endSession(services, sessionId);
  return invalidGrant('The refresh token was already used; the session is revoked');
}

/**
 * RFC 6749 §6, with rotation: every refresh replaces the refresh token (and the access token).
 * A refresh token that was already rotated away and comes back is a replay — the legitimate client
 * and an attacker both hold it — so the whole session is revoked (RFC 9700 §4.14.2). Whoever got
 * a refresh token may use it without listing the grant; a public password client without its secret.
 */
export const refreshTokenGrant: Grant = { type: 'refresh_token', mustBeListed: false, secretRequired: (client) => !mayOmitSecret(client), issue };
