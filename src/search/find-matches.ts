import type { Queryable } from '../db/database';
import { badRequest } from '../errors/http-error';
import { tableName } from '../db/run-migrations';
import type { StoredVersion } from '../store/resource-store';

/**
 * The matches of a search query string, for conditional create / update / delete.
 * Minimal until the search issue lands: `_id` only; anything else is refused rather than guessed.
 */
export async function findMatches(q: Queryable, resourceType: string, query: URLSearchParams, limit = 2): Promise<StoredVersion[]> {
  const ids: string[] = [];
  for (const [name, value] of query) {
    if (name !== '_id') throw badRequest(`Search parameter '${name}' is not supported in a condition yet`);
    ids.push(...value.split(','));
  }
  if (!ids.length) throw badRequest('A conditional request needs at least one search parameter');
  const { rows } = await q.query<{ id: string; txid: number; cts: Date; ts: Date; status: StoredVersion['status']; resource: Record<string, unknown> }>(
    `select id, txid, cts, ts, status, resource from "${tableName(resourceType)}" where id = any($1::text[]) limit $2`,
    [ids, limit],
  );
  return rows.map((row) => ({ ...row, resourceType, txid: Number(row.txid), cts: new Date(row.cts), ts: new Date(row.ts) }));
}
