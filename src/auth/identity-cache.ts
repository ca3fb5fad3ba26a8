import type { Database, Queryable } from '../db/database';
import { loadSession, type LoadedSession } from './load-session';

/**
 * Clients and live sessions kept in memory, so that authenticating a request usually costs no
 * database round trip. Every change to a Client, User or Session row — by any process on the
 * database — is announced by a trigger (NOTIFY at commit, see sql/auth-resource-tables.sql) and
 * drops the entry here; this process's own changes drop it at once. A generation counter keeps a
 * read that raced with a change from being cached. When the listening connection drops (a
 * database restart), notifications may have been lost: everything is dropped, at once and again
 * once listening anew. Entries expire after MAX_AGE_MS anyway.
 */
export interface IdentityCache {
  client(q: Queryable, id: string): Promise<CachedClient | undefined>;
  session(q: Queryable, by: 'id' | 'access_token', value: string): Promise<LoadedSession | undefined>;
  forgetClient(id: string): void;
  forgetUser(id: string): void;
  forgetSession(id: string): void;
}

export interface CachedClient {
  id: string;
  resource: Record<string, unknown>;
}

export const IDENTITY_CHANNEL = 'lockbox_identity_changed';
const MAX_AGE_MS = 30_000;
const MAX_ENTRIES = 20_000;

interface Entry<T> {
  value: T;
  at: number;
}

export async function createIdentityCache(db: Database): Promise<IdentityCache> {
  const clients = new Map<string, Entry<CachedClient>>();
  const sessions = new Map<string, Entry<LoadedSession>>();
  const sessionIdByToken = new Map<string, string>();
  let generation = 0;

  const fresh = <T>(entry: Entry<T> | undefined) => (entry && Date.now() - entry.at < MAX_AGE_MS ? entry.value : undefined);
  const remember = <T>(map: Map<string, Entry<T>>, key: string, value: T) => {
    if (map.size >= MAX_ENTRIES) map.clear();
    map.set(key, { value, at: Date.now() });
  };

  const cache: IdentityCache = {
    async client(q, id) {
      const hit = fresh(clients.get(id));
      if (hit) return hit;
      const seen = generation;
      const { rows } = await q.query<CachedClient>('select id, resource from client where id = $1', [id]);
      if (rows[0] && seen === generation) remember(clients, id, rows[0]);
      return rows[0];
    },
    async session(q, by, value) {
      const id = by === 'id' ? value : sessionIdByToken.get(value);
      const hit = id === undefined ? undefined : fresh(sessions.get(id));
      // A refresh gives the session a new access token: the old one must no longer find it.
      if (hit && (by === 'id' || hit.resource.access_token === value)) return hit;
      const seen = generation;
      const loaded = await loadSession(q, by, value);
      if (loaded && seen === generation) {
        remember(sessions, loaded.id, loaded);
        if (by === 'access_token') {
          if (sessionIdByToken.size >= MAX_ENTRIES) sessionIdByToken.clear();
          sessionIdByToken.set(value, loaded.id);
        }
      }
      return loaded;
    },
    forgetClient(id) {
      generation += 1;
      clients.delete(id);
      for (const [key, entry] of sessions) if (entry.value.client?.id === id) sessions.delete(key);
    },
    forgetUser(id) {
      generation += 1;
      for (const [key, entry] of sessions) if (entry.value.user?.id === id) sessions.delete(key);
    },
    forgetSession(id) {
      generation += 1;
      sessions.delete(id);
    },
  };

  const forgetAll = () => {
    generation += 1;
    clients.clear();
    sessions.clear();
    sessionIdByToken.clear();
  };
  await db.listen(
    IDENTITY_CHANNEL,
    (payload) => {
      const colon = payload.indexOf(':');
      const table = payload.slice(0, colon);
      const id = payload.slice(colon + 1);
      if (table === 'client') cache.forgetClient(id);
      else if (table === 'user') cache.forgetUser(id);
      else if (table === 'session') cache.forgetSession(id);
    },
    forgetAll,
  );
  return cache;
}
