/**
 * Knows every resource type the server serves (FHIR R4 + IAM) and exposes the generated type map
 * and summary elements. Loaded once, at start, from schemas/generated/types.json and
 * summary/summary-elements.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../repo-root';
import { SUMMARY_ELEMENTS_FILE, type SummaryElementMap, type SummaryElements } from './summary-elements';
import type { ResourceKind, TypeMap } from './type-map';

export type { FieldType, ResourceKind, TypeMap } from './type-map';

export interface ResourceRegistry {
  /** sorted, all known resource types (FHIR R4 + IAM) */
  readonly resourceTypes: readonly string[];
  isResourceType(name: string): boolean;
  kindOf(name: string): ResourceKind | undefined;
  /** contents of types.json */
  readonly typeMap: TypeMap;
  /** What `_summary=true` and `_summary=text` keep of a resource of this type. */
  summaryElementsOf(name: string): SummaryElements | undefined;
}

export const defaultSchemaDir = join(repoRoot, 'schemas', 'generated');

export function loadRegistry(schemaDir: string = defaultSchemaDir): ResourceRegistry {
  const typeMap = JSON.parse(readFileSync(join(schemaDir, 'types.json'), 'utf8')) as TypeMap;
  const kinds = new Map<string, ResourceKind>(Object.entries(typeMap.resourceTypes));
  const resourceTypes = Object.freeze([...kinds.keys()].sort());
  const listed = JSON.parse(readFileSync(join(schemaDir, SUMMARY_ELEMENTS_FILE), 'utf8')) as SummaryElementMap;
  const summaries = new Map<string, SummaryElements>(Object.entries(listed).map(([type, { summary, mandatory }]) => [type, { summary: new Set(summary), mandatory: new Set(mandatory) }]));
  return {
    resourceTypes,
    typeMap,
    isResourceType: (name) => kinds.has(name),
    kindOf: (name) => kinds.get(name),
    summaryElementsOf: (name) => summaries.get(name),
  };
}
