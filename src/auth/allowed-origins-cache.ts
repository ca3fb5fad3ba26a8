import type { ChangeListener } from '../db/change-bus';
import type { Database } from '../db/database';

/**
 * The origins that active Clients list in `allowed_origins`, for CORS. Loaded whole, in one query,
 * the first time they are asked for: a question about an origin nobody lists (any web page can
 * send any Origin) then costs a set lookup, never a query of its own. Any change to any Client,
 * by any process (the change bus), drops the set, and so does a lost listening connection, since
 * changes may have been missed meanwhile.
 */
export interface AllowedOriginsCache extends ChangeListener {
  /** Whether an active Client allows this origin, as a browser sends it (`https://app.example.com`). */
  has(origin: string): Promise<boolean>;
  /** Forgets every Client's origins; the next question loads them again. */
  clear(): void;
}

/** A listed URL's origin, as browsers serialize it in the Origin header; undefined for anything else. */
function toOrigin(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.origin : undefined;
  } catch {
    return undefined;
  }
}

async function loadClientOrigins(db: Database): Promise<ReadonlySet<string>> {
  // A Client without `active` is active (as for authentication: only `active: false` is not).
  const { rows } = await db.query<{ origin: unknown }>(
    `select jsonb_array_elements(resource->'allowed_origins') as origin from client
      where jsonb_typeof(resource->'allowed_origins') = 'array' and resource->'active' is distinct from 'false'::jsonb`,
  );
  const origins = new Set<string>();
  for (const { origin } of rows) {
    const normalized = toOrigin(origin);
    if (normalized) origins.add(normalized);
  }
  return origins;
}

export function createAllowedOriginsCache(db: Database): AllowedOriginsCache {
  // One load at a time, shared by every request that waits for it. clear() lets go of it: a load
  // that was under way when a change came finishes for its own waiters but is never reused.
  let loaded: Promise<ReadonlySet<string>> | undefined;

  function current(): Promise<ReadonlySet<string>> {
    if (loaded) return loaded;
    const loading = loadClientOrigins(db);
    loaded = loading;
    // A failed load (the database is down) is not kept: the next request tries again.
    loading.catch(() => {
      if (loaded === loading) loaded = undefined;
    });
    return loading;
  }

  const clear = () => {
    loaded = undefined;
  };
  return {
    changeTypes: ['Client'],
    onChange: clear,
    onMissed: clear,
    async has(origin) {
      return (await current()).has(origin);
    },
    clear,
  };
}
