import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSchemaDir } from '../schema/resource-registry';
import { PATIENT_COMPARTMENT_FILE, type CompartmentFile } from './generate-patient-compartment';
import { searchParametersOf } from './load-search-parameters';
import type { SearchParameterDef } from './search-parameter';

const cache = new Map<string, CompartmentFile>();

/** The generated Patient compartment; read once per directory, like the search parameters. */
export function loadPatientCompartment(schemaDir: string = defaultSchemaDir): CompartmentFile {
  let file = cache.get(schemaDir);
  if (!file) {
    file = JSON.parse(readFileSync(join(schemaDir, PATIENT_COMPARTMENT_FILE), 'utf8')) as CompartmentFile;
    cache.set(schemaDir, file);
  }
  return file;
}

/** The search parameters that put a resource of this type in a patient's compartment; undefined when none do. */
export function patientCompartmentParameters(resourceType: string, schemaDir?: string): SearchParameterDef[] | undefined {
  const codes = loadPatientCompartment(schemaDir).resource[resourceType];
  if (!codes) return undefined;
  const defs = searchParametersOf(resourceType, schemaDir);
  return codes.map((code) => defs[code]);
}
