import { createHash } from 'node:crypto';
import { loadSearchParameters } from './load-search-parameters';
import { searchIndexSql } from './search-indexes';

/**
 * One migration step per type creating its search indexes. The step's name carries a hash of its
 * DDL, so a changed set of indexed parameters is applied again (every statement is idempotent).
 */
export function searchIndexSteps(resourceTypes: readonly string[]): Array<{ name: string; sql: string }> {
  const parameters = loadSearchParameters();
  return resourceTypes.map((type) => {
    const sql = searchIndexSql(type, parameters[type] ?? {});
    return { name: `search-indexes:${type}:${createHash('sha256').update(sql).digest('hex').slice(0, 12)}`, sql };
  });
}
