/**
 * A checked search → the WHERE and ORDER BY of its SQL. Identifiers and jsonpaths come from the
 * registry; every value from the request is a bound parameter.
 */
import { badRequest } from '../errors/http-error';
import { compartmentCondition } from './compartment-condition';
import { dateCondition, lastUpdatedCondition, parsePrefixed } from './date-condition';
import { sqlLiteral, sqlTextArray, toJsonPath } from './json-path';
import { notSupported, type Restriction, type SearchQuery, type SearchTerm, type SortKey } from './parse-search-query';
import { referenceCondition } from './reference-condition';
import { dateSpanExpression, stringPaths } from './search-indexes';
import type { SearchParameterDef } from './search-parameter';
import type { SqlParams } from './sql-params';
import { stringCondition } from './string-condition';
import { tokenCondition } from './token-condition';
import { TOKEN_PAIRS } from './value-types';

const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const COMPARE = { eq: '=', ne: '<>', gt: '>', lt: '<', ge: '>=', le: '<=' } as const;

function missingCondition(term: SearchTerm): string {
  if (term.values.length !== 1 || !['true', 'false'].includes(term.values[0])) throw badRequest(`'${term.name}' must be true or false`);
  if (!term.def.paths) return term.values[0] === 'true' ? 'false' : 'true'; // _id, _lastUpdated: always present
  const exists = term.def.paths.map((path) => `jsonb_path_exists(resource, ${sqlLiteral(toJsonPath(path))}::jsonpath)`).join(' or ');
  return term.values[0] === 'true' ? `not (${exists})` : `(${exists})`;
}

function idCondition(term: SearchTerm, sql: SqlParams): string {
  if (term.modifier && term.modifier !== 'not') throw notSupported(`The modifier ':${term.modifier}' is not supported on '_id'`);
  const ids = sql.add(term.values);
  return term.modifier === 'not' ? `id <> all(${ids}::text[])` : `id = any(${ids}::text[])`;
}

function numberCondition(term: SearchTerm, sql: SqlParams): string {
  if (term.modifier) throw notSupported(`The modifier ':${term.modifier}' is not supported on '${term.def.code}'`);
  const alternatives = term.values.map((raw) => {
    const { prefix, value } = parsePrefixed(raw, term.name);
    if (!NUMBER.test(value)) throw badRequest(`'${raw}' is not a number for '${term.name}'`);
    if (prefix === 'sa' || prefix === 'eb') throw notSupported(`The prefix '${prefix}' is not supported on numbers`);
    const p = sql.add(value);
    return term.def.paths!.map((path) => `exists (select 1 from jsonb_path_query(resource, ${sqlLiteral(toJsonPath(path))}::jsonpath) as v
      where jsonb_typeof(v) = 'number' and (v #>> '{}')::numeric ${COMPARE[prefix]} ${p}::numeric)`).join(' or ');
  });
  return `(${alternatives.join(' or ')})`;
}

function termCondition(query: SearchQuery, term: SearchTerm, sql: SqlParams, bases: readonly string[]): string {
  if (term.modifier === 'missing') return missingCondition(term);
  if (term.def.code === '_id') return idCondition(term, sql);
  if (term.def.code === '_lastUpdated') return lastUpdatedCondition(term, sql);
  switch (term.def.type) {
    case 'token':
    case 'uri':
      return tokenCondition(term, sql);
    case 'reference':
      return referenceCondition(term, sql, bases);
    case 'string':
      return stringCondition(query.resourceType, term, sql);
    case 'date':
      return dateCondition(term, sql);
    case 'number':
      return numberCondition(term, sql);
    default:
      throw notSupported(`${term.def.type} search parameters are not supported`);
  }
}

export function buildWhere(query: SearchQuery, sql: SqlParams, bases: readonly string[]): string {
  const conditions = query.terms.map((term) => termCondition(query, term, sql, bases));
  if (query.compartment) conditions.unshift(compartmentCondition(query.compartment, sql, bases));
  if (query.restriction) conditions.unshift(restrictionWhere(query.restriction, sql, bases));
  return conditions.length ? conditions.join('\n  and ') : 'true';
}

/**
 * A SMART token's restriction (src/smart/scope-restriction.ts) as one condition: any of its
 * alternatives, each a compartment and search terms, built exactly as a search builds them — so the
 * compartment is the same GIN-indexed containment a `?patient=` search uses.
 */
export function restrictionWhere(restriction: Restriction, sql: SqlParams, bases: readonly string[]): string {
  if (!restriction.alternatives.length) return 'false';
  const alternatives = restriction.alternatives.map((alternative) => {
    const query = { resourceType: restriction.resourceType } as SearchQuery;
    const parts = alternative.terms.map((term) => termCondition(query, term, sql, bases));
    if (alternative.compartment) parts.unshift(compartmentCondition(alternative.compartment, sql, bases));
    return parts.length ? `(${parts.join(' and ')})` : 'true';
  });
  return `(${alternatives.join(' or ')})`;
}

/** The first value of a parameter to order by; multi-valued elements sort by their least (or greatest) value. */
function sortExpression(def: SearchParameterDef, descending: boolean): string {
  if (def.code === '_id') return 'id';
  if (def.code === '_lastUpdated') return 'ts';
  const pick = descending ? 'max' : 'min';
  const paths = def.paths!;
  switch (def.type) {
    case 'string':
      return `(select ${pick}(lower(s)) from lockbox_strings(resource, ${sqlTextArray(stringPaths(def))}) as s)`;
    case 'date':
      return `${descending ? 'upper' : 'lower'}(${dateSpanExpression(def)})`;
    case 'number':
      return `(select ${pick}((v #>> '{}')::numeric) from unnest(${sqlTextArray(paths.map((path) => toJsonPath(path)))}) as p, jsonb_path_query(resource, p::jsonpath) as v where jsonb_typeof(v) = 'number')`;
    default: {
      const leaves = paths.map((path) => {
        const pair = TOKEN_PAIRS[path.valueType];
        if (path.valueType === 'Reference') return toJsonPath(path, 'id');
        return pair ? toJsonPath(path, ...(pair.coding ? ['coding'] : []), pair.code) : toJsonPath(path);
      });
      return `(select ${pick}(s) from lockbox_strings(resource, ${sqlTextArray(leaves)}) as s)`;
    }
  }
}

/** Always ends with id, so equal keys still page in one stable order. */
export function buildOrderBy(sort: readonly SortKey[]): string {
  const keys = sort.map((key) => `${sortExpression(key.def, key.descending)} ${key.descending ? 'desc' : 'asc'} nulls last`);
  if (!sort.some((key) => key.def.code === '_id')) keys.push('id asc');
  return keys.join(', ');
}
