import { randomUUID } from 'node:crypto';
import type { Services } from '../interactions/interaction-context';
import { mintTokens, type TokenResponse, type TokenSubject } from './mint-tokens';
import type { LaunchContext } from '../smart/launch-context';

/** What a grant knows when it starts a Session: the token subject, less what the Session gives it. */
export interface SessionStart extends Omit<TokenSubject, 'sessionId' | 'authTime'> {
  type: string;
  /** When the person signed in, when that was before this grant (a browser session's start). */
  authTime?: number;
  /** The browser sign-in (asid Session) this grant came from. */
  parent?: string;
}

/**
 * What a Session remembers beyond the reference's fields, for refreshes and for operators' SQL:
 * when the person signed in, and the SMART launch context its tokens carry.
 */
export function sessionContext(authTime: number, launch?: LaunchContext): Record<string, unknown> {
  return launch ? { auth_time: authTime, launch } : { auth_time: authTime };
}

/** Drops undefined fields: JSONB has no undefined, and absent reads better than null. */
export function compact(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, value]) => value !== undefined));
}

/** One Session per grant, stored with its token hashes; returns the tokens for the response. */
export async function startSession(services: Services, start: SessionStart): Promise<{ id: string; response: TokenResponse }> {
  const id = randomUUID();
  const now = new Date();
  const authTime = start.authTime ?? Math.floor(now.getTime() / 1000);
  const minted = await mintTokens(services, { ...start, sessionId: id, authTime });
  const session = compact({
    type: start.type,
    client: { id: start.client.id, resourceType: 'Client' },
    user: start.user ? { id: start.user.id, resourceType: 'User' } : undefined,
    scope: start.scope.length ? start.scope : undefined,
    audience: start.audience,
    parent: start.parent ? { id: start.parent, resourceType: 'Session' } : undefined,
    ctx: start.authTime !== undefined ? sessionContext(authTime) : undefined,
    start: now.toISOString(),
    active: true,
    ...minted.sessionFields,
  });
  await services.auth.sessions.insert(id, session);
  return { id, response: minted.response };
}
