import type { Queryable } from '../db/database';
import type { RequestContext } from './interaction-context';

/**
 * The condition as one canonical string: parameters sorted by name, then value, and percent-encoded
 * one way, so `a=1&b=2`, `b=2&a=1` and `a=%31&b=2` are the same condition. `_format` picks a wire
 * format, not resources, and is left out.
 */
export function toConditionKey(resourceType: string, query: URLSearchParams): string {
  const pairs = [...query].filter(([name]) => name !== '_format');
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return `${resourceType}?${new URLSearchParams(pairs).toString()}`;
}

/**
 * Runs a conditional create, update or delete (FHIR http.html#ccreate, #cond-update, #cdelete) —
 * search, then write — for one condition at a time, in every process on the database: under a
 * transaction-scoped advisory lock on a hash of the type and the canonical condition, taken before
 * the search and held until the write commits. A request that waited for the lock then searches
 * with a fresh snapshot (READ COMMITTED) and finds what the one before it created, so of many
 * requests sent at once with one condition exactly one creates.
 *
 * Guarantee: the same condition (as toConditionKey writes it) is serialized; that is what FHIR asks
 * ("If one match is found, the server ignores the post"). Two *different* conditions that match the
 * same resource (`identifier=a` and `identifier=a&family=x`) take different locks and can still both
 * create, as can a plain POST of a matching resource. Serializing every conditional write of a type
 * would close that, at the cost of making them all take turns.
 *
 * Why not SERIALIZABLE: it would need every writer of the type to run serializable, a retry loop on
 * 40001 around each request (20 writers at once would fail and retry each other many times), and it
 * cannot be switched on inside a bundle whose transaction has already run statements. The lock makes
 * the others wait instead of fail, and works inside an open READ COMMITTED transaction.
 *
 * Inside a bundle ctx.q is already the bundle's transaction: the lock is taken there and held until
 * the bundle commits (no nested transaction). Elsewhere the interaction runs in a transaction of its
 * own, and fn must use the q it is given, never the pool, or a holder of the lock could wait for a
 * connection held by those waiting for it.
 */
export function withConditionLock<T>(ctx: RequestContext, resourceType: string, query: URLSearchParams, fn: (locked: RequestContext) => Promise<T>): Promise<T> {
  const key = `lockbox conditional ${toConditionKey(resourceType, query)}`;
  const run = async (q: Queryable) => {
    // hashtextextended is computed by the server, so every process derives the same 64-bit key.
    await q.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
    return fn(q === ctx.q ? ctx : { ...ctx, q });
  };
  return ctx.q === ctx.services.db ? ctx.services.db.transaction(run) : run(ctx.q);
}
