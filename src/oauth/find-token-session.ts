import { hashSecret } from '../auth/hash-secret';
import { loadSession, type LoadedSession } from '../auth/load-session';
import type { Queryable } from '../db/database';

export type TokenKind = 'access_token' | 'refresh_token';

/** The session a presented token belongs to, trying the hinted kind first (RFC 7009 §2.1). */
export async function findTokenSession(q: Queryable, token: string, hint?: string): Promise<{ session: LoadedSession; kind: TokenKind } | undefined> {
  const hash = hashSecret(token);
  const order: TokenKind[] = hint === 'refresh_token' ? ['refresh_token', 'access_token'] : ['access_token', 'refresh_token'];
  for (const kind of order) {
    const session = await loadSession(q, kind, hash);
    if (session) return { session, kind };
  }
  return undefined;
}
