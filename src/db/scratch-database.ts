import type { Database, Queryable } from './database';

/**
 * The database as seen from `q`, for work that must run in a transaction of its own and leave
 * nothing behind: an sql-engine policy's read-only query, the check of a policy's SQL, an exact
 * count under a statement timeout. On the pool, transaction() is an ordinary transaction. Inside
 * a bundle's transaction a second one cannot be opened on the same handle (PGlite has one
 * backend, and a pool may have no connection left while the bundle holds locks), so there it is a
 * savepoint that is always rolled back: neither its settings nor its failure outlive it.
 */
export function scratchDatabase(db: Database, q: Queryable): Database {
  if (q === db) return db;
  return {
    ...db,
    query: (sql, params) => q.query(sql, params),
    exec: (sql) => q.exec(sql),
    announce: (change) => q.announce(change),
    wrote: (resourceType) => q.wrote(resourceType),
    async transaction(fn) {
      await q.exec('savepoint lockbox_scratch');
      try {
        return await fn(q);
      } finally {
        await q.exec('rollback to savepoint lockbox_scratch');
      }
    },
  };
}
