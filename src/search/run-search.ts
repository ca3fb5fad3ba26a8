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

/**
 * Runs a checked search: the page (plus one row, to know about a next page) and, in the same
 * statement, the total as a window count — one round trip. Only a page past the end needs a
 * separate count.
 */
export async function runSearch(q: Queryable, query: SearchQuery, bases: readonly string[], options: { limit?: number } = {}): Promise<SearchResult> {
  const table = `"${tableName(query.resourceType)}"`;
  const sql = new SqlParams();
  const where = buildWhere(query, sql, bases);
  const whereValues = [...sql.values];
  const count = async () => Number((await q.query<{ count: string | number }>(`select count(*) as count from ${table} where ${where}`, whereValues)).rows[0].count);
  if (query.summaryCount) return { versions: [], total: await count() };
  const limitParam = sql.add(options.limit ?? query.count + 1);
  const offsetParam = sql.add((query.page - 1) * query.count);
  const { rows } = await q.query<Row & { total?: string | number }>(
    `select id, txid, cts, ts, status, resource${query.total ? ', count(*) over () as total' : ''}
      from ${table} where ${where} order by ${buildOrderBy(query.sort)} limit ${limitParam} offset ${offsetParam}`,
    sql.values,
  );
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
