import { randomUUID } from 'node:crypto';
import { hashSecret, newRandomToken } from '../auth/hash-secret';
import type { Queryable } from '../db/database';
import type { AuthorizationRequest } from './authorization-request';
import type { BrowserSession } from './find-browser-session';
import type { LaunchContext } from '../smart/launch-context';

/** RFC 6749 §4.1.2: "a maximum authorization code lifetime of 10 minutes is RECOMMENDED"; we give a minute. */
export const CODE_LIFETIME_SECONDS = 60;
/** Spent and expired codes are swept at most this often per process, by the request that notices. */
const SWEEP_EVERY_MS = 60_000;
let sweptAt = 0;

/**
 * A new code: 256 random bits, stored only as its SHA-256 with everything the token request must
 * match — client, redirect URI, PKCE challenge, nonce, scope, the person, their sign-in time and
 * browser session — and the id of the Session it will become.
 */
export async function issueAuthorizationCode(q: Queryable, request: AuthorizationRequest, person: BrowserSession, scope: string[], context?: LaunchContext): Promise<string> {
  const code = newRandomToken();
  if (Date.now() - sweptAt > SWEEP_EVERY_MS) {
    sweptAt = Date.now();
    // A spent code is kept until it expires, so that its replay is recognised; after that, nothing is.
    await q.query('delete from authorization_code where expires_at < now()', []);
  }
  await q.query(
    `insert into authorization_code (code_hash, session_id, client_id, user_id, redirect_uri, redirect_uri_sent, code_challenge, nonce, scope, audience, parent_session, auth_time, expires_at, context)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now() + make_interval(secs => $13), $14)`,
    [hashSecret(code), randomUUID(), request.client.id, person.user.id, request.redirectUri, request.redirectUriSent, request.codeChallenge ?? null, request.nonce ?? null, scope, request.audience ?? null, person.id, person.authTime, CODE_LIFETIME_SECONDS, context ? JSON.stringify(context) : null],
  );
  return code;
}
