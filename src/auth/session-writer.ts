import type { Queryable } from '../db/database';

/**
 * Stores new Sessions with group commit: while one multi-row INSERT is in flight, the sessions
 * that arrive meanwhile wait and go together in the next one. Every caller still gets its answer
 * only after its own row (and its history version) has committed, so an issued token always has
 * its Session; under load, one statement and one WAL flush carry many grants instead of one each.
 */
export interface SessionWriter {
  insert(id: string, resource: Record<string, unknown>): Promise<void>;
}

interface Pending {
  id: string;
  resource: Record<string, unknown>;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Same shape as the resource store's insert, for many new ids at once (fresh UUIDs: 'created').
 * It commits without waiting for the WAL flush (synchronous_commit off, for this transaction only):
 * a crash can lose the sessions of the last moments, whose tokens then get 401 and their clients
 * sign in again — it can never keep a revocation from holding, because ending a session commits
 * synchronously, and that flushes every earlier commit with it (PostgreSQL docs, "Asynchronous Commit").
 */
const INSERT = `with ins as (
    insert into session (id, txid, cts, ts, resource_type, status, resource)
    select r.id, nextval('txid_seq'), now(), now(), 'Session', 'created', r.resource
    from jsonb_to_recordset($1::jsonb) as r(id text, resource jsonb),
      (select set_config('synchronous_commit', 'off', true)) as async_commit
    returning id, txid, cts, ts, resource_type, status, resource
  ), hist as (
    insert into session_history (id, txid, cts, ts, resource_type, status, resource)
    select id, txid, cts, ts, resource_type, status, resource from ins
  )
  select count(*) from ins`;

const MAX_BATCH = 256;

export function createSessionWriter(q: Queryable, maxInFlight = 1): SessionWriter {
  let queue: Pending[] = [];
  let inFlight = 0;

  function flush(): void {
    while (inFlight < maxInFlight && queue.length) {
      const batch = queue.slice(0, MAX_BATCH);
      queue = queue.slice(batch.length);
      inFlight += 1;
      // One JSON document for the whole batch: cheaper to send than two escaped arrays.
      q.query(INSERT, [JSON.stringify(batch.map(({ id, resource }) => ({ id, resource })))])
        .then(
          () => {
            // Committed (one statement on the pool): told before any caller answers. No cache can
            // hold a session that did not exist, but a cache of new sessions would hear of them.
            for (const { id } of batch) q.announce({ resourceType: 'Session', id, op: 'create' });
            batch.forEach((entry) => entry.resolve());
          },
          (error) => batch.forEach((entry) => entry.reject(error)),
        )
        .finally(() => {
          inFlight -= 1;
          flush();
        });
    }
  }

  return {
    insert(id, resource) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ id, resource, resolve, reject });
        flush();
      });
    },
  };
}
