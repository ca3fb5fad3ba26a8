import type { ResourceRegistry } from '../schema/resource-registry';
import type { SearchParameterMap } from '../search/search-parameter';

const TYPE_INTERACTIONS = ['read', 'vread', 'update', 'patch', 'delete', 'history-instance', 'history-type', 'create', 'search-type'];

/**
 * The server's CapabilityStatement (FHIR capabilitystatement.html), derived from the registry of
 * types and the search-parameter registry the server itself searches with: a parameter is listed
 * only when it is actually supported.
 */
export function buildCapabilityStatement(
  registry: ResourceRegistry,
  searchParameters: SearchParameterMap,
  base: string,
  software: { name: string; version: string },
  date: string,
): Record<string, unknown> {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date,
    kind: 'instance',
    software,
    implementation: { description: 'Lockbox FHIR-style resource server', url: base },
    fhirVersion: '4.0.1',
    format: ['json', 'yaml'],
    patchFormat: ['application/json-patch+json', 'application/merge-patch+json'],
    rest: [
      {
        mode: 'server',
        interaction: [{ code: 'transaction' }, { code: 'batch' }, { code: 'history-system' }],
        resource: registry.resourceTypes.map((type) => ({
          type,
          interaction: TYPE_INTERACTIONS.map((code) => ({ code })),
          operation: [{ name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' }],
          versioning: 'versioned',
          readHistory: true,
          updateCreate: true,
          conditionalCreate: true,
          conditionalUpdate: true,
          conditionalDelete: 'single',
          searchParam: Object.values(searchParameters[type] ?? {})
            .filter((def) => !def.unsupported)
            .map((def) => ({ name: def.code, type: def.type, ...(def.expression ? { documentation: def.expression } : {}) })),
        })),
      },
    ],
  };
}
