import { hashSecret } from '../auth/hash-secret';
import { whySessionIsDead } from '../auth/load-session';
import { readCookie } from '../auth/read-cookie';
import type { Services } from '../interactions/interaction-context';

/** The person signed in in this browser: the live Session behind the `asid` cookie. */
export interface BrowserSession {
  id: string;
  user: { id: string; resource: Record<string, unknown> };
  /** When the person last entered a password (OpenID Connect Core §2 auth_time), seconds since the epoch. */
  authTime: number;
}

/**
 * The `asid` cookie's Session, when it is live and is a browser sign-in: a Session issued to a
 * client (an access token placed in the cookie) never counts as a person at a browser.
 */
export async function findBrowserSession(services: Services, cookieHeader: string | undefined): Promise<BrowserSession | undefined> {
  const asid = readCookie(cookieHeader, 'asid');
  if (!asid) return undefined;
  const session = await services.auth.cache.session(services.db, 'access_token', hashSecret(asid));
  if (!session || session.client || !session.user || whySessionIsDead(session)) return undefined;
  const start = Date.parse(String(session.resource.start));
  return { id: session.id, user: session.user, authTime: Number.isFinite(start) ? Math.floor(start / 1000) : 0 };
}
