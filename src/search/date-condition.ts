import { badRequest } from '../errors/http-error';
import { sqlTextArray } from './json-path';
import { notSupported, type SearchTerm } from './parse-search-query';
import { dateSpanExpression, datePaths } from './search-indexes';
import type { SqlParams } from './sql-params';

export type Prefix = 'eq' | 'ne' | 'lt' | 'gt' | 'le' | 'ge' | 'sa' | 'eb';
const DATE = /^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01])(T([01]\d|2[0-3]):[0-5]\d(:([0-5]\d|60)(\.\d+)?)?(Z|[+-](0\d|1[0-4]):[0-5]\d)?)?)?)?$/;

export function parsePrefixed(raw: string, name: string): { prefix: Prefix; value: string } {
  const match = /^(eq|ne|lt|gt|le|ge|sa|eb|ap)?(.*)$/.exec(raw)!;
  if (match[1] === 'ap') throw notSupported(`The prefix 'ap' is not supported on '${name}'`);
  return { prefix: (match[1] ?? 'eq') as Prefix, value: match[2] };
}

export function parseDateValue(raw: string, name: string): { prefix: Prefix; value: string } {
  const parsed = parsePrefixed(raw, name);
  if (!DATE.test(parsed.value)) throw badRequest(`'${raw}' is not a date for '${name}': use e.g. 2024, 2024-05-01 or ge2024-05-01T10:00:00Z`);
  return parsed;
}

/**
 * The part of the time line a value's range must overlap, per prefix (FHIR search.html#prefix):
 * S is the range the search value denotes at its precision.
 */
function window(prefix: Prefix, s: string): string | undefined {
  switch (prefix) {
    case 'eq': return s;
    case 'gt': case 'sa': return `tstzrange(upper(${s}), null)`;
    case 'lt': case 'eb': return `tstzrange(null, lower(${s}))`;
    case 'ge': return `tstzrange(lower(${s}), null)`;
    case 'le': return `tstzrange(null, upper(${s}))`;
    case 'ne': return undefined;
  }
}

/** What each value's range r must satisfy, beyond overlapping the window. */
const EXACT: Partial<Record<Prefix, (s: string) => string>> = {
  eq: (s) => `r <@ ${s}`,
  ne: (s) => `r <@ ${s}`,
  sa: (s) => `r >> ${s}`,
  eb: (s) => `r << ${s}`,
};

/** Overlap with the span (one multirange of all the values, GiST-indexed) decides most prefixes alone. */
export function dateCondition(term: SearchTerm, sql: SqlParams): string {
  if (term.modifier) throw notSupported(`The modifier ':${term.modifier}' is not supported on '${term.def.code}'`);
  const span = dateSpanExpression(term.def);
  const ranges = `lockbox_date_ranges(resource, ${sqlTextArray(datePaths(term.def))})`;
  const alternatives = term.values.map((raw) => {
    const { prefix, value } = parseDateValue(raw, term.name);
    const s = `lockbox_date_range(${sql.add(value)}::text)`;
    const exact = EXACT[prefix];
    const recheck = exact ? `exists (select 1 from ${ranges} as r where ${exact(s)})` : undefined;
    if (prefix === 'ne') return `not ${recheck}`;
    const overlaps = `${span} && ${window(prefix, s)}`;
    return recheck ? `(${overlaps} and ${recheck})` : overlaps;
  });
  return `(${alternatives.join(' or ')})`;
}

/** _lastUpdated compares the `ts` column, whose btree index serves every prefix. */
export function lastUpdatedCondition(term: SearchTerm, sql: SqlParams): string {
  if (term.modifier) throw notSupported(`The modifier ':${term.modifier}' is not supported on '_lastUpdated'`);
  const alternatives = term.values.map((raw) => {
    const { prefix, value } = parseDateValue(raw, term.name);
    const p = sql.add(value);
    const lo = `lower(lockbox_date_range(${p}::text))`;
    const hi = `upper(lockbox_date_range(${p}::text))`;
    switch (prefix) {
      case 'eq': return `(ts >= ${lo} and ts < ${hi})`;
      case 'ne': return `(ts < ${lo} or ts >= ${hi})`;
      case 'gt': case 'sa': return `ts >= ${hi}`;
      case 'lt': case 'eb': return `ts < ${lo}`;
      case 'ge': return `ts >= ${lo}`;
      case 'le': return `ts < ${hi}`;
    }
  });
  return `(${alternatives.join(' or ')})`;
}
