import bcrypt from 'bcrypt';
import type { Services } from '../interactions/interaction-context';
import type { Queryable } from '../db/database';
import { invalidGrant, invalidRequest, tooManyAttempts } from './oauth-error';

export interface VerifiedUser {
  id: string;
  resource: Record<string, unknown>;
}

/** The user a login name (userName or e-mail) names, if any. */
async function findLoginUser(q: Queryable, username: string): Promise<VerifiedUser | undefined> {
  const { rows } = await q.query<{ id: string; resource: Record<string, unknown> }>(
    `select id, resource from "user"
      where lower(resource->>'userName') = lower($1) or lower(resource->>'email') = lower($1)
      order by (lower(resource->>'userName') = lower($1)) desc nulls last limit 1`,
    [username],
  );
  return rows[0];
}

/** Whether the password is the user's; as long for a missing user as for a wrong password. */
async function isPasswordOf(user: VerifiedUser | undefined, password: string, dummyPasswordHash: string): Promise<boolean> {
  const hash = typeof user?.resource.password === 'string' ? user.resource.password : dummyPasswordHash;
  // bcrypt reads only 72 bytes; a longer password (never a stored one) must not match by its prefix.
  const tooLong = Buffer.byteLength(password, 'utf8') > 72;
  const ok = (await bcrypt.compare(password, hash)) && !tooLong;
  return user !== undefined && ok && hash !== dummyPasswordHash;
}

/**
 * User name (or e-mail) and password → the user. Throttled per name and per address, the attempt
 * counted before the password is compared (see LoginThrottle); a missing user is compared against
 * a dummy hash so it fails the same way in the same time as a wrong password. Inactivity is only
 * revealed to someone who knows the password.
 */
export async function verifyUserPassword(services: Services, q: Queryable, login: { username?: string; password?: string; address?: string }): Promise<VerifiedUser> {
  const { username, password, address } = login;
  if (!username || password === undefined) throw invalidRequest('username and password are required');
  const { throttle, dummyPasswordHash } = services.auth;
  const attempt = throttle.reserve(username, address);
  if (attempt.retryAfter > 0) throw tooManyAttempts(attempt.retryAfter);
  let user: VerifiedUser | undefined;
  try {
    user = await findLoginUser(q, username);
  } catch (error) {
    // No verdict (the query failed): the attempt gives its place back.
    attempt.release();
    throw error;
  }
  // The account is counted too, by id, before bcrypt runs: its userName and its e-mail are two
  // names of one account, and must not give a guesser two allowances.
  const account = user ? throttle.reserve(`\u0000account:${user.id}`, undefined) : undefined;
  if (account && account.retryAfter > 0) {
    attempt.release();
    throw tooManyAttempts(account.retryAfter);
  }
  let ok: boolean;
  try {
    ok = await isPasswordOf(user, password, dummyPasswordHash);
  } catch (error) {
    attempt.release();
    account?.release();
    throw error;
  }
  if (!ok || !user) {
    attempt.failed();
    account?.failed();
    throw invalidGrant('Invalid user name or password');
  }
  attempt.succeeded();
  account!.succeeded();
  if (user.resource.inactive === true) throw invalidGrant('User is inactive');
  return user;
}
