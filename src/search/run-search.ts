import type { Queryable } from '../db/database';
import { tableName } from '../db/table-name';
import type { StoredVersion } from '../store/resource-store';
import { buildOrderBy, buildWhere } from './build-search-sql';
import type { SearchQuery } from './parse-search-query';
import { SqlParams } from './sql-params';

interface Row {
  id: string;
  txid: number | string;
  cts: Date | string;
  ts: Date | string;
  status: StoredVersion['status'];
  resource: Record<string, unknown>;
}

export interface Statement {
  text: string;
  values: unknown[];
}

export interface SearchStatements {
  /** The page, plus one row to know about a next page. */
  page: Statement;
  /** The number of matches. */
  count: Statement;
  /** Every match, unordered: what EXPLAIN estimates the number of. */
  matches: Statement;
}

/**
 * The SQL of a search: the page (plus one row, to know about a next page), and apart from it the
 * count and the bare matches, which only a total asks for (search-total.ts). With conditions, the
 * page's matches are a MATERIALIZED CTE: planned on their own, the ORDER BY id … LIMIT cannot lure
 * the planner into walking the primary key and filtering every row (which a generic plan of
 * `resource @> $1` did, 300 ms on 100,000 rows), and the plan is the same for any value, so it can
 * be cached.
 */
export function searchStatements(query: SearchQuery, bases: readonly string[], options: { limit?: number } = {}): SearchStatements {
  const table = `"${tableName(query.resourceType)}"`;
  const sql = new SqlParams();
  const where = buildWhere(query, sql, bases);
  const count = { text: `select count(*) as count from ${table} where ${where}`, values: [...sql.values] };
  const matches = { text: `select id from ${table} where ${where}`, values: [...sql.values] };
  const limit = sql.add(options.limit ?? query.count + 1);
  const offset = sql.add((query.page - 1) * query.count);
  const columns = 'id, txid, cts, ts, status, resource';
  const tail = `order by ${buildOrderBy(query.sort)} limit ${limit} offset ${offset}`;
  const text = query.terms.length || query.compartment || query.restriction
    ? `with matches as materialized (select ${columns} from ${table} where ${where})\n  select ${columns} from matches ${tail}`
    : `select ${columns} from ${table} ${tail}`;
  return { page: { text, values: sql.values }, count, matches };
}

/** The rows of a checked search's page: up to one more than the page size when a next page exists. */
export async function runSearch(q: Queryable, query: SearchQuery, bases: readonly string[], options: { limit?: number } = {}): Promise<{ versions: StoredVersion[] }> {
  const { page } = searchStatements(query, bases, options);
  const { rows } = await q.query<Row>(page.text, page.values);
  const versions = rows.map((row) => ({
    id: row.id,
    resourceType: query.resourceType,
    txid: Number(row.txid),
    cts: new Date(row.cts),
    ts: new Date(row.ts),
    status: row.status,
    resource: row.resource,
  }));
  return { versions };
}
