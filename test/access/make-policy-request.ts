import type { PolicyRequest } from '../../src/access/policy-request';

/** A request as the policies see it: a user reading a Patient with a token from Keycloak, unless overridden. */
export function makePolicyRequest(overrides: Partial<PolicyRequest> = {}): PolicyRequest {
  return {
    'request-method': 'get',
    uri: '/fhir/Patient/pt-1',
    'query-string': '',
    params: { 'resource/type': 'Patient', 'resource/id': 'pt-1' },
    headers: { accept: 'application/fhir+json' },
    user: { id: 'u1', resourceType: 'User', data: { patient_id: 'pt-1', practitioner_id: 'pr-1' } },
    client: { id: 'web', resourceType: 'Client' },
    jwt: { iss: 'http://localhost:8180/realms/myrealm', sub: 'u1' },
    operation: { id: 'FhirRead' },
    'remote-addr': '127.0.0.1',
    scheme: 'http',
    ...overrides,
  };
}
