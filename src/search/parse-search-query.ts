/**
 * Query string → a checked search: which parameters, with which modifiers and values, and the
 * result parameters (_count, _page, _sort, _elements, _summary, _total). Unknown parameters are a
 * 400 naming them unless the client asked for `Prefer: handling=lenient` (FHIR search.html#errors).
 */
import { badRequest, HttpError } from '../errors/http-error';
import type { Compartment } from './compartment';
import type { SearchParameterDef } from './search-parameter';
import { parseShape, parseSummary, type Shape } from './summarize-resource';

export interface SearchTerm {
  /** The parameter as written, e.g. `subject:Patient`. */
  name: string;
  def: SearchParameterDef;
  modifier?: string;
  /** One occurrence's comma-separated values: any may match (OR). Occurrences are ANDed. */
  values: string[];
}

/** One way a resource may lie within a SMART token's scopes: in a compartment, and matching the scope's query. */
export interface Alternative {
  compartment?: Compartment;
  terms: SearchTerm[];
}

/**
 * What a SMART token may touch of one type for one permission: any of the alternatives (OR), added
 * to a search's SQL as a condition (never applied after paging) and checked against stored rows
 * and new content before reads and writes. Built by src/smart/scope-restriction.ts.
 */
export interface Restriction {
  resourceType: string;
  alternatives: Alternative[];
}

export interface SortKey {
  def: SearchParameterDef;
  descending: boolean;
}

/** FHIR search.html#total: how much the client wants to pay for Bundle.total. */
export type TotalMode = 'none' | 'estimate' | 'accurate';
const TOTAL_MODES: readonly string[] = ['none', 'estimate', 'accurate'] satisfies TotalMode[];

export interface SearchQuery {
  resourceType: string;
  terms: SearchTerm[];
  sort: SortKey[];
  count: number;
  page: number;
  /** What `_summary` or `_elements` keeps of each resource. */
  shape: Shape;
  summaryCount: boolean;
  total: TotalMode;
  /** The parameters that took effect, for the self/next/previous links. */
  echo: Array<[string, string]>;
  /** A compartment search (`Patient/123/Observation?…`): only resources in that compartment. */
  compartment?: Compartment;
  /** What the caller's SMART scopes confine it to (src/smart/scope-restriction.ts). */
  restriction?: Restriction;
}

export interface SearchOptions {
  maxCount: number;
  lenient: boolean;
}

const RESULT_PARAMETERS = new Set(['_count', '_page', '_sort', '_elements', '_summary', '_total', '_format', '_pretty']);
const UNSUPPORTED_RESULT_PARAMETERS = new Set(['_include', '_revinclude', '_contained', '_containedType', '_has', '_filter', '_list', '_query']);
export const notSupported = (message: string) => new HttpError(400, 'not-supported', message);

/** Splits on commas not escaped as `\,` (FHIR search.html#escaping). */
export function splitValues(raw: string): string[] {
  return raw.split(/(?<!\\),/).map((value) => value.replaceAll('\\,', ','));
}

function single(query: Record<string, string[]>, name: string): string | undefined {
  const values = query[name];
  if (values && values.length > 1) throw badRequest(`${name} may be given once`);
  return values?.[0];
}

function positive(raw: string | undefined, name: string, fallback: number, max: number, min = 1): number {
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) throw badRequest(`${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
  return Number(raw);
}

function parseSort(raw: string | undefined, defs: Record<string, SearchParameterDef>): SortKey[] {
  if (raw === undefined) return [];
  return raw.split(',').map((key) => {
    const descending = key.startsWith('-');
    const code = descending ? key.slice(1) : key;
    const def = defs[code];
    if (!def) throw badRequest(`Unknown sort parameter '${code}'`);
    if (def.unsupported) throw notSupported(`Sorting by '${code}' is not supported: ${def.unsupported}`);
    if (def.type === 'reference' && !def.paths) throw notSupported(`Sorting by '${code}' is not supported`);
    return { def, descending };
  });
}

/**
 * How many values one search may give, over all its parameters (`name=a,b` is two). Each becomes
 * SQL; PostgreSQL takes at most 65,535 bound values per statement, and a POST _search body could
 * carry far more.
 */
export const MAX_SEARCH_VALUES = 1000;

export function parseSearchQuery(resourceType: string, query: Record<string, string[]>, defs: Record<string, SearchParameterDef>, options: SearchOptions): SearchQuery {
  const terms: SearchTerm[] = [];
  let valueCount = 0;
  const echo: Array<[string, string]> = [];
  for (const [name, values] of Object.entries(query)) {
    if (RESULT_PARAMETERS.has(name)) continue;
    if (UNSUPPORTED_RESULT_PARAMETERS.has(name.split(':')[0])) throw notSupported(`The search parameter '${name}' is not supported`);
    const [code, modifier, ...more] = name.split(':');
    const def = defs[code];
    if (!def || more.length) {
      if (options.lenient) continue;
      throw badRequest(`Unknown search parameter '${name}' for ${resourceType}`);
    }
    if (def.unsupported) throw notSupported(`The search parameter '${code}' is not supported: ${def.unsupported}`);
    for (const value of values) {
      if (value === '') continue; // FHIR: an empty value is ignored
      const split = splitValues(value);
      valueCount += split.length;
      if (valueCount > MAX_SEARCH_VALUES) throw new HttpError(400, 'too-costly', `A search may give at most ${MAX_SEARCH_VALUES} values over all its parameters`);
      terms.push({ name, def, modifier, values: split });
      echo.push([name, value]);
    }
  }
  // Above the maximum is not an error: FHIR lets a server return fewer than asked (search.html#count).
  const count = Math.min(positive(single(query, '_count'), '_count', Math.min(100, options.maxCount), 1_000_000, 0), options.maxCount);
  const page = positive(single(query, '_page'), '_page', 1, 1_000_000);
  const sortRaw = single(query, '_sort');
  const sort = parseSort(sortRaw, defs);
  const elementsRaw = single(query, '_elements');
  const summary = parseSummary(single(query, '_summary'));
  const shape = parseShape(summary, elementsRaw);
  const totalRaw = single(query, '_total');
  if (totalRaw !== undefined && !TOTAL_MODES.includes(totalRaw)) throw badRequest(`_total must be none, estimate or accurate, got '${totalRaw}'`);
  const summaryCount = summary === 'count' || count === 0;
  // Counting visits every match (170 ms at 92,000 rows for a one-row page), so a page has no total
  // unless the client asks for one; a count is all _summary=count asks for, so that one counts.
  const total = (totalRaw as TotalMode | undefined) ?? (summaryCount ? 'accurate' : 'none');
  if (sortRaw) echo.push(['_sort', sortRaw]);
  if (elementsRaw) echo.push(['_elements', elementsRaw]);
  if (summary) echo.push(['_summary', summary]);
  if (totalRaw !== undefined) echo.push(['_total', totalRaw]);
  return { resourceType, terms, sort, count, page, shape, summaryCount, total, echo };
}
