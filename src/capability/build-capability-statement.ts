import type { CapabilityEntry } from '../pipeline/route';
import type { ResourceRegistry } from '../schema/resource-registry';
import type { SearchParameterMap } from '../search/search-parameter';

/**
 * The server's CapabilityStatement (FHIR capabilitystatement.html), derived from what the server
 * serves: the interactions and operations of its route table, the registry of types, and the
 * search-parameter registry it searches with (a parameter is listed only when it is supported).
 */
export function buildCapabilityStatement(
  registry: ResourceRegistry,
  searchParameters: SearchParameterMap,
  served: readonly CapabilityEntry[],
  base: string,
  software: { name: string; version: string },
  date: string,
): Record<string, unknown> {
  const interactions = (levels: Array<CapabilityEntry['level']>) => [...new Set(served.filter((entry) => levels.includes(entry.level) && entry.interaction).map((entry) => entry.interaction!))];
  const operations = (levels: Array<CapabilityEntry['level']>) =>
    [...new Set(served.filter((entry) => levels.includes(entry.level) && entry.operation).map((entry) => entry.operation!))].map((name) => ({ name, definition: `http://hl7.org/fhir/OperationDefinition/Resource-${name}` }));
  const typeInteractions = interactions(['type', 'instance']).map((code) => ({ code }));
  const typeOperations = operations(['type', 'instance']);
  const systemOperations = operations(['system']);
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
        security: securityOf(base),
        interaction: interactions(['system']).map((code) => ({ code })),
        // The Patient compartment is searched (GET /Patient/<id>/<Type>).
        compartment: ['http://hl7.org/fhir/CompartmentDefinition/patient'],
        ...(systemOperations.length ? { operation: systemOperations } : {}),
        resource: registry.resourceTypes.map((type) => ({
          type,
          interaction: typeInteractions,
          ...(typeOperations.length ? { operation: typeOperations } : {}),
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

/**
 * rest.security: CORS headers are served (src/http/cors.ts), and the SMART service with its
 * OAuth endpoints (SMART App Launch 1.0 conformance §Declaring support in the CapabilityStatement;
 * deprecated by SMART 2 in favour of .well-known/smart-configuration, still read by older clients).
 * The endpoints live at the server's root, under /fhir as under /.
 */
function securityOf(base: string): Record<string, unknown> {
  const issuer = base.replace(/\/fhir$/, '');
  const uri = (url: string, path: string) => ({ url, valueUri: `${issuer}${path}` });
  return {
    cors: true,
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [uri('authorize', '/auth/authorize'), uri('token', '/auth/token'), uri('introspect', '/auth/introspect'), uri('revoke', '/auth/revoke'), uri('manage', '/auth/account')],
      },
    ],
    service: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
        text: 'OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)',
      },
    ],
  };
}
