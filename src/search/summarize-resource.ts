import { badRequest } from '../errors/http-error';
import type { SummaryElements } from '../schema/summary-elements';

/** `_summary` (FHIR search.html#summary); `count` is for searches only. */
export type SummaryMode = 'true' | 'text' | 'data' | 'false' | 'count';
const MODES: readonly string[] = ['true', 'text', 'data', 'false', 'count'] satisfies SummaryMode[];

export function parseSummary(raw: string | undefined): SummaryMode | undefined {
  if (raw === undefined) return undefined;
  if (!MODES.includes(raw)) throw badRequest(`_summary must be true, text, data, count or false, got '${raw}'`);
  return raw as SummaryMode;
}

/** Whether a mode leaves elements out (false and count show resources whole, or not at all). */
export const isSubsetting = (mode: SummaryMode | undefined): mode is 'true' | 'text' | 'data' => mode === 'true' || mode === 'text' || mode === 'data';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
const ALWAYS = new Set(['resourceType', 'id', 'meta']);

/**
 * The elements `keep` admits, with resourceType, id and meta; a primitive's `_name` companion
 * (its id and extensions) goes with `name`. A resource that lost anything is tagged SUBSETTED,
 * as FHIR asks, so that nobody takes it for the whole resource.
 */
function pick(resource: Record<string, unknown>, keep: (name: string) => boolean): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  let dropped = false;
  for (const [key, value] of Object.entries(resource)) {
    if (ALWAYS.has(key) || keep(key.startsWith('_') ? key.slice(1) : key)) kept[key] = value;
    else dropped = true;
  }
  if (!dropped) return resource;
  const meta = (kept.meta ?? {}) as Record<string, unknown>;
  const tags = Array.isArray(meta.tag) ? meta.tag : [];
  kept.meta = { ...meta, tag: [...tags, SUBSETTED] };
  return kept;
}

/**
 * `_summary=true`: the elements the definitions flag as summary; `text`: the narrative and the
 * mandatory elements; `data`: everything but the narrative (FHIR search.html#summary). Only
 * top-level elements are chosen: what is inside a kept element is kept whole.
 */
export function summarizeResource(resource: Record<string, unknown>, mode: 'true' | 'text' | 'data', elements: SummaryElements | undefined): Record<string, unknown> {
  if (mode === 'data') return pick(resource, (name) => name !== 'text');
  if (mode === 'text') return pick(resource, (name) => name === 'text' || elements?.mandatory.has(name) === true);
  return pick(resource, (name) => elements?.summary.has(name) === true);
}

/** `_elements`: the named top-level elements, and the mandatory ones (FHIR search.html#elements). */
export function selectElements(resource: Record<string, unknown>, names: readonly string[], elements: SummaryElements | undefined): Record<string, unknown> {
  return pick(resource, (name) => names.includes(name) || elements?.mandatory.has(name) === true);
}

/** What part of each resource a read or a search shows. */
export interface Shape {
  summary?: 'true' | 'text' | 'data';
  elements?: string[];
}

/** `_summary` and `_elements` → the shape; both at once would each drop what the other keeps, so that is a 400. */
export function parseShape(summary: SummaryMode | undefined, elementsRaw: string | undefined): Shape {
  const elements = elementsRaw?.split(',').map((element) => element.trim()).filter(Boolean);
  if (isSubsetting(summary) && elements) throw badRequest(`Give _summary=${summary} or _elements, not both`);
  return isSubsetting(summary) ? { summary } : elements ? { elements } : {};
}

export function applyShape(resource: Record<string, unknown>, shape: Shape, elements: SummaryElements | undefined): Record<string, unknown> {
  if (shape.summary) return summarizeResource(resource, shape.summary, elements);
  if (shape.elements) return selectElements(resource, shape.elements, elements);
  return resource;
}
