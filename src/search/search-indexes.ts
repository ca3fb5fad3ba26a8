/**
 * Which parameters get an expression index of their own, and the expressions themselves. The
 * search SQL uses exactly these expressions, so the planner can match them. Token, reference and
 * uri parameters need none: every table's GIN (jsonb_path_ops) index answers `resource @> doc`.
 */
import { tableName } from '../db/table-name';
import { sqlTextArray, toJsonPath } from './json-path';
import type { SearchParameterDef } from './search-parameter';
import { STRING_PARTS } from './value-types';

/** Each string index costs every write of its type (all prefixes of all names): only where searched most. */
export const INDEXED_PARAMETERS: Record<string, readonly string[]> = {
  Patient: ['name', 'birthdate'],
  Practitioner: ['name'],
  Observation: ['date'],
};

export function isIndexed(resourceType: string, code: string): boolean {
  return INDEXED_PARAMETERS[resourceType]?.includes(code) ?? false;
}

/** jsonpaths of the string values a string parameter searches (HumanName → family, given, ...). */
export function stringPaths(def: SearchParameterDef): string[] {
  return (def.paths ?? []).flatMap((path) => {
    const parts = STRING_PARTS[path.valueType];
    return parts ? parts.map((part) => toJsonPath(path, part)) : [toJsonPath(path)];
  });
}

/** jsonpaths of the date strings and Period objects a date parameter searches. */
export function datePaths(def: SearchParameterDef): string[] {
  return (def.paths ?? []).map((path) => (path.valueType === 'Timing' ? toJsonPath(path, 'event') : toJsonPath(path)));
}

export const prefixExpression = (def: SearchParameterDef) => `lockbox_prefixes(resource, ${sqlTextArray(stringPaths(def))})`;
export const dateSpanExpression = (def: SearchParameterDef) => `lockbox_date_span(resource, ${sqlTextArray(datePaths(def))})`;

/** DDL for one type's search indexes; safe to run again. */
export function searchIndexSql(resourceType: string, defs: Record<string, SearchParameterDef>): string {
  const table = tableName(resourceType);
  // A GIN index's pending list (fastupdate) is scanned by every search until it is merged; 256 kB
  // instead of the default 4 MB keeps that scan short while writes still append cheaply.
  const gin = 'with (gin_pending_list_limit = 256)';
  const statements = [`create index if not exists "${table}_resource_gin" on "${table}" using gin (resource jsonb_path_ops) ${gin};`];
  for (const code of INDEXED_PARAMETERS[resourceType] ?? []) {
    const def = defs[code];
    if (!def?.paths) continue;
    const name = `${table}_${code.replaceAll('-', '_')}_search`;
    // Rebuilt whenever this DDL changes (the migration step is named by its hash): an index on an
    // older expression would never match the search SQL again.
    if (def.type === 'string') statements.push(`drop index if exists "${name}";`, `create index "${name}" on "${table}" using gin (${prefixExpression(def)}) ${gin};`);
    if (def.type === 'date') statements.push(`drop index if exists "${name}";`, `create index "${name}" on "${table}" using gist (${dateSpanExpression(def)});`);
  }
  return statements.join('\n');
}
