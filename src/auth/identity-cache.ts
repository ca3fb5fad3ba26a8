import type { ChangeListener } from '../db/change-bus';
import type { Queryable } from '../db/database';
import { loadSession, type LoadedSession } from './load-session';

/**
 * Clients and live sessions kept in memory, so that authenticating a request usually costs no
 * database round trip. It follows the change bus (src/db/change-bus.ts, which argues why no stale
 * entry is served): every committed change to a Client, User or Session row — by this process at
 * once, by any other by NOTIFY — drops what depends on it; a generation counter keeps a read that
 * raced with a change from being cached; when changes may have been missed, everything goes.
 * Entries expire after MAX_AGE_MS anyway.
 */
export interface IdentityCache extends ChangeListener {
  client(q: Queryable, id: string): Promise<CachedClient | undefined>;
  session(q: Queryable, by: 'id' | 'access_token', value: string): Promise<LoadedSession | undefined>;
}

export interface CachedClient {
  id: string;
  resource: Record<string, unknown>;
}

const MAX_AGE_MS = 30_000;
const MAX_ENTRIES = 20_000;

interface Entry<T> {
  value: T;
  at: number;
}

export function createIdentityCache(): IdentityCache {
  const clients = new Map<string, Entry<CachedClient>>();
  const sessions = new Map<string, Entry<LoadedSession>>();
  const sessionIdByToken = new Map<string, string>();
  let generation = 0;

  const fresh = <T>(entry: Entry<T> | undefined) => (entry && Date.now() - entry.at < MAX_AGE_MS ? entry.value : undefined);
  const remember = <T>(map: Map<string, Entry<T>>, key: string, value: T) => {
    if (map.size >= MAX_ENTRIES) map.clear();
    map.set(key, { value, at: Date.now() });
  };

  const forgetClient = (id: string) => {
    generation += 1;
    clients.delete(id);
    for (const [key, entry] of sessions) if (entry.value.client?.id === id) sessions.delete(key);
  };
  const forgetUser = (id: string) => {
    generation += 1;
    for (const [key, entry] of sessions) if (entry.value.user?.id === id) sessions.delete(key);
  };
  const forgetSession = (id: string) => {
    generation += 1;
    sessions.delete(id);
  };
  const forgetAll = () => {
    generation += 1;
    clients.clear();
    sessions.clear();
    sessionIdByToken.clear();
  };
  return {
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
    changeTypes: ['Client', 'User', 'Session'],
    onChange({ resourceType, id, op }) {
      // Only rows that were found are cached: a new one cannot be here (a recreated id was
      // announced when it was deleted).
      if (op === 'create') return;
      if (id === undefined) forgetAll();
      else if (resourceType === 'Client') forgetClient(id);
      else if (resourceType === 'User') forgetUser(id);
      else forgetSession(id);
    },
    onMissed: forgetAll,
  };
}
