import { randomUUID } from 'node:crypto';
import { hashSecret, newRandomToken } from '../auth/hash-secret';
import type { Services } from '../interactions/interaction-context';
import { asidCookie, loadAsidMaxAge } from './asid-cookie';

/**
 * A browser sign-in (the login form or an IdentityProvider): a Session of the given type whose
 * token lives only in the `asid` cookie, for AuthConfig.asidCookieMaxAge seconds.
 */
export async function openBrowserSession(services: Services, userId: string, type: string): Promise<{ id: string; cookie: string }> {
  const maxAge = await loadAsidMaxAge(services.db);
  const token = newRandomToken();
  const id = randomUUID();
  const now = new Date();
  await services.auth.sessions.insert(id, {
    type,
    user: { id: userId, resourceType: 'User' },
    start: now.toISOString(),
    exp: Math.floor(now.getTime() / 1000) + maxAge,
    active: true,
    access_token: hashSecret(token),
  });
  return { id, cookie: asidCookie(token, maxAge, services.config.baseUrl.startsWith('https:')) };
}
