import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultSchemaDir } from '../schema/resource-registry';
import { SEARCH_PARAMETERS_FILE } from './generate-search-parameters';
import type { SearchParameterDef, SearchParameterMap } from './search-parameter';

const cache = new Map<string, SearchParameterMap>();

/** The generated search-parameter registry; read once per directory, like the type map. */
export function loadSearchParameters(schemaDir: string = defaultSchemaDir): SearchParameterMap {
  let map = cache.get(schemaDir);
  if (!map) {
    map = JSON.parse(readFileSync(join(schemaDir, SEARCH_PARAMETERS_FILE), 'utf8')) as SearchParameterMap;
    cache.set(schemaDir, map);
  }
  return map;
}

export function searchParametersOf(resourceType: string, schemaDir?: string): Record<string, SearchParameterDef> {
  return loadSearchParameters(schemaDir)[resourceType] ?? {};
}
