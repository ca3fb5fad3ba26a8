/**
 * Shape of schemas/generated/summary/summary-elements.json: per resource type, the JSON names of
 * the top-level elements `_summary=true` keeps and those `_summary=text` keeps (FHIR
 * search.html#summary). resourceType, id and meta are kept by every mode.
 */
/** Beside the schemas, in a folder of its own: schemas/generated/*.json are the schema generator's. */
export const SUMMARY_ELEMENTS_DIR = 'summary';
export const SUMMARY_ELEMENTS_FILE = 'summary/summary-elements.json';

export type SummaryElementMap = Record<string, { summary: string[]; mandatory: string[] }>;

/** One type's lists as sets, built once at start. */
export interface SummaryElements {
  readonly summary: ReadonlySet<string>;
  readonly mandatory: ReadonlySet<string>;
}
