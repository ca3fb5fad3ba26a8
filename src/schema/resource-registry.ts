/**
 * Knows every resource type the server serves (FHIR R4 + IAM) and exposes the generated type map.
 * Loaded once from schemas/generated/types.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../repo-root';
import type { ResourceKind, TypeMap } from './type-map';

export type { FieldType, ResourceKind, TypeMap } from './type-map';

export interface ResourceRegistry {
  /** sorted, all known resource types (FHIR R4 + IAM) */
  readonly resourceTypes: readonly string[];
  isResourceType(name: string): boolean;
  kindOf(name: string): ResourceKind | undefined;
  /** contents of types.json */
  readonly typeMap: TypeMap;
}

export const defaultSchemaDir = join(repoRoot, 'schemas', 'generated');

export function loadRegistry(schemaDir: string = defaultSchemaDir): ResourceRegistry {
  const typeMap = JSON.parse(readFileSync(join(schemaDir, 'types.json'), 'utf8')) as TypeMap;
  const kinds = new Map<string, ResourceKind>(Object.entries(typeMap.resourceTypes));
  const resourceTypes = Object.freeze([...kinds.keys()].sort());
  return {
    resourceTypes,
    typeMap,
    isResourceType: (name) => kinds.has(name),
    kindOf: (name) => kinds.get(name),
  };
}
