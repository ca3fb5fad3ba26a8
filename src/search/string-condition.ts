import { sqlTextArray } from './json-path';
import { notSupported, type SearchTerm } from './parse-search-query';
import { isIndexed, prefixExpression, stringPaths } from './search-indexes';
import type { SqlParams } from './sql-params';

/** The longest prefix lockbox_prefixes() indexes; longer terms are rechecked with LIKE. */
const INDEXED_PREFIX = 32;
const escapeLike = (text: string) => text.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/**
 * FHIR string search (search.html#string): by default case-insensitive "starts with" on any of the
 * values; `:exact` is the whole value, case and accents as given; `:contains` anywhere, ignoring case.
 */
export function stringCondition(resourceType: string, term: SearchTerm, sql: SqlParams): string {
  const { modifier, def } = term;
  if (modifier && modifier !== 'exact' && modifier !== 'contains') throw notSupported(`The modifier ':${modifier}' is not supported on '${def.code}'`);
  const strings = `lockbox_strings(resource, ${sqlTextArray(stringPaths(def))})`;
  const alternatives = term.values.map((value) => {
    if (modifier === 'exact') return `exists (select 1 from ${strings} as s where s = ${sql.add(value)}::text)`;
    const lower = value.toLowerCase();
    const like = () => `exists (select 1 from ${strings} as s where lower(s) like ${sql.add(modifier === 'contains' ? `%${escapeLike(lower)}%` : `${escapeLike(lower)}%`)}::text)`;
    if (modifier === 'contains' || !isIndexed(resourceType, def.code)) return like();
    const indexed = `${prefixExpression(def)} @> array[${sql.add(lower.slice(0, INDEXED_PREFIX))}::text]`;
    return lower.length > INDEXED_PREFIX ? `(${indexed} and ${like()})` : indexed;
  });
  return `(${alternatives.join(' or ')})`;
}
