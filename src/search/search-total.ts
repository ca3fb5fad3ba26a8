import type { Database, Queryable } from '../db/database';
import { scratchDatabase } from '../db/scratch-database';
import type { SearchQuery } from './parse-search-query';
import { searchStatements, type Statement } from './run-search';

const QUERY_CANCELED = '57014';

/**
 * Bundle.total of a search (FHIR search.html#total), at the price the client chose with `_total`:
 *  - none (the default): no total; the page alone tells whether a next page exists.
 *  - On the last page the total is known for free: the pages before it plus its own rows.
 *  - estimate: the planner's estimate of the matches (EXPLAIN, nothing is executed). Rough: it comes
 *    from the table's statistics and can be far off for a selective condition; never below the
 *    rows already seen.
 *  - accurate: count(*), cancelled after `timeoutMs`; then undefined, and the search still answers.
 * `fetched` is how many rows the page query returned (one more than the page when a next page
 * exists); undefined when no page was read (_summary=count).
 */
export async function searchTotal(
  db: Database,
  q: Queryable,
  query: SearchQuery,
  bases: readonly string[],
  fetched: number | undefined,
  timeoutMs: number,
): Promise<number | undefined> {
  if (query.total === 'none') return undefined;
  const before = (query.page - 1) * query.count;
  if (fetched !== undefined && fetched <= query.count && (fetched > 0 || query.page === 1)) return before + fetched;
  const { count, matches } = searchStatements(query, bases);
  if (query.total === 'estimate') return Math.max(await estimateRows(q, matches), fetched ? before + fetched : 0);
  return countWithin(db, q, count, timeoutMs);
}

async function estimateRows(q: Queryable, matches: Statement): Promise<number> {
  const { rows } = await q.query<{ 'QUERY PLAN': unknown }>(`explain (format json) ${matches.text}`, matches.values);
  const raw = rows[0]?.['QUERY PLAN'];
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as Array<{ Plan?: { 'Plan Rows'?: number } }> | undefined;
  return Math.round(plan?.[0]?.Plan?.['Plan Rows'] ?? 0);
}

/**
 * count(*) under a statement timeout. SET LOCAL needs a transaction: a scratch one
 * (src/db/scratch-database.ts), so that neither the timeout nor a cancelled count (which would
 * abort a bundle's transaction) outlives it.
 */
async function countWithin(db: Database, q: Queryable, count: Statement, timeoutMs: number): Promise<number | undefined> {
  const run = async (tx: Queryable) => {
    await tx.query(`select set_config('statement_timeout', $1, true)`, [String(timeoutMs)]);
    const { rows } = await tx.query<{ count: string | number }>(count.text, count.values);
    return Number(rows[0].count);
  };
  try {
    return await scratchDatabase(db, q).transaction(run);
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code === QUERY_CANCELED) return undefined;
    throw error;
  }
}
