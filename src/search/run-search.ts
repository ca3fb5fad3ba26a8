import type { Queryable } from '../db/database';
import { tableName } from '../db/run-migrations';
import type { StoredVersion } from '../store/resource-store';
import { buildOrderBy, buildWhere } from './build-search-sql';
import type { SearchQuery } from './parse-search-query';
import { SqlParams } from './sql-params';

export interface SearchResult {
  /** One more than the page size when a next page exists. */
  versions: StoredVersion[];
  total?: number;
}

interface Row {
  id: string;
  txid: number | string;
  cts: Date | string;
  ts: Date | string;
  status: StoredVersion['status'];
  resource: Record<string, unknown>;
}

export interface SearchStatements {
  page: { text: string; values: unknown[] };
  count: { text: string; values: unknown[] };
}

/**
 * The SQL of a search: the page (plus one row, to know about a next page) with the total as a
 * window count, and a plain count for a page past the end. With conditions, the matches are a
 * MATERIALIZED CTE: planned on their own, the ORDER BY id … LIMIT cannot lure the planner into
 * walking the primary key and filtering every row (which a generic plan of `resource @> $1` did,
 * 300 ms on 100,000 rows), and the plan is the same for any value, so it can be cached.
 */
export function searchStatements(query: SearchQuery, bases: readonly string[], options: { limit?: number } = {}): SearchStatements {
  const table = `"${tableName(query.resourceType)}"`;
  const sql = new SqlParams();
  const where = buildWhere(query, sql, bases);
  const count = { text: `select count(*) as count from ${table} where ${where}`, values: [...sql.values] };
  const limit = sql.add(options.limit ?? query.count + 1);
  const offset = sql.add((query.page - 1) * query.count);
  const columns = 'id, txid, cts, ts, status, resource';
  const total = query.total ? ', count(*) over () as total' : '';
  const tail = `order by ${buildOrderBy(query.sort)} limit ${limit} offset ${offset}`;
  const text = query.terms.length
    ? `with matches as materialized (select ${columns} from ${table} where ${where})\n  select ${columns}${total} from matches ${tail}`
    : `select ${columns}${total} from ${table} ${tail}`;
  return { page: { text, values: sql.values }, count };
}

/** Runs a checked search: one statement for the page and its total; a page past the end counts apart. */
export async function runSearch(q: Queryable, query: SearchQuery, bases: readonly string[], options: { limit?: number } = {}): Promise<SearchResult> {
  const statements = searchStatements(query, bases, options);
  const count = async () => Number((await q.query<{ count: string | number }>(statements.count.text, statements.count.values)).rows[0].count);
  if (query.summaryCount) return { versions: [], total: await count() };
  const { rows } = await q.query<Row & { total?: string | number }>(statements.page.text, statements.page.values);
  const versions = rows.map((row) => ({
    id: row.id,
    resourceType: query.resourceType,
    txid: Number(row.txid),
    cts: new Date(row.cts),
    ts: new Date(row.ts),
    status: row.status,
    resource: row.resource,
  }));
  if (!query.total) return { versions };
  return { versions, total: rows.length ? Number(rows[0].total) : query.page > 1 ? await count() : 0 };
}
