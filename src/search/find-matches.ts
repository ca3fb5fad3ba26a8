import type { Queryable } from '../db/database';
import { badRequest } from '../errors/http-error';
import type { StoredVersion } from '../store/resource-store';
import { searchParametersOf } from './load-search-parameters';
import { parseSearchQuery } from './parse-search-query';
import { runSearch } from './run-search';

export function toQueryRecord(query: URLSearchParams): Record<string, string[]> {
  const record: Record<string, string[]> = {};
  for (const [name, value] of query) (record[name] ??= []).push(value);
  return record;
}

/**
 * The matches of a search query string, for conditional create / update / delete: the same search
 * as GET /<Type>?…, up to `limit` rows (two are enough to tell one match from many).
 */
export async function findMatches(q: Queryable, resourceType: string, query: URLSearchParams, limit = 2, bases: readonly string[] = []): Promise<StoredVersion[]> {
  const parsed = parseSearchQuery(resourceType, toQueryRecord(query), searchParametersOf(resourceType), { maxCount: limit, lenient: false });
  if (!parsed.terms.length) throw badRequest('A conditional request needs at least one search parameter');
  const { versions } = await runSearch(q, { ...parsed, total: 'none', summaryCount: false, page: 1, sort: [] }, bases, { limit });
  return versions;
}
