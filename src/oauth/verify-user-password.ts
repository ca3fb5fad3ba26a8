import bcrypt from 'bcrypt';
import type { Services } from '../interactions/interaction-context';
import type { Queryable } from '../db/database';
import { invalidGrant, invalidRequest, tooManyAttempts } from './oauth-error';

export interface VerifiedUser {
  id: string;
  resource: Record<string, unknown>;
}

/** The user whose name (or e-mail) and password these are, or undefined; as long for a missing user as for a wrong password. */
async function matchPassword(q: Queryable, username: string, password: string, dummyPasswordHash: string): Promise<VerifiedUser | undefined> {
  const { rows } = await q.query<{ id: string; resource: Record<string, unknown> }>(
    `select id, resource from "user"
      where lower(resource->>'userName') = lower($1) or lower(resource->>'email') = lower($1)
      order by (lower(resource->>'userName') = lower($1)) desc nulls last limit 1`,
    [username],
  );
  const user = rows[0];
  const hash = typeof user?.resource.password === 'string' ? user.resource.password : dummyPasswordHash;
  // bcrypt reads only 72 bytes; a longer password (never a stored one) must not match by its prefix.
  const tooLong = Buffer.byteLength(password, 'utf8') > 72;
  const ok = (await bcrypt.compare(password, hash)) && !tooLong;
  return user && ok && hash !== dummyPasswordHash ? user : undefined;
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
    user = await matchPassword(q, username, password, dummyPasswordHash);
  } catch (error) {
    // No verdict (the query or bcrypt failed): the attempt gives its place back.
    attempt.release();
    throw error;
  }
  if (!user) {
    attempt.failed();
    throw invalidGrant('Invalid user name or password');
  }
  attempt.succeeded();
  if (user.resource.inactive === true) throw invalidGrant('User is inactive');
  return user;
}
