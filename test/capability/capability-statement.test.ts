import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadRegistry } from '../../src/schema/resource-registry';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('GET /fhir/metadata', () => {
  it('answers a CapabilityStatement listing every type the server serves, without a caller', async () => {
    const { body } = await server.anonymous.get('/fhir/metadata').expect(200);
    expect(body).toMatchObject({ resourceType: 'CapabilityStatement', status: 'active', kind: 'instance', fhirVersion: '4.0.1' });
    const types = body.rest[0].resource.map((resource: { type: string }) => resource.type);
    expect(types).toEqual([...loadRegistry().resourceTypes]);
    expect(body.rest[0].interaction).toEqual(expect.arrayContaining([{ code: 'transaction' }, { code: 'batch' }]));
  });

  it('lists the interactions and the supported search parameters of each type', async () => {
    const { body } = await server.http.get('/fhir/metadata').expect(200);
    const byType = (type: string) => body.rest[0].resource.find((resource: { type: string }) => resource.type === type);
    const patient = byType('Patient');
    expect(patient.interaction.map((i: { code: string }) => i.code)).toEqual(expect.arrayContaining(['read', 'create', 'update', 'delete', 'search-type', 'history-instance']));
    const names = patient.searchParam.map((p: { name: string }) => p.name);
    expect(names).toEqual(expect.arrayContaining(['name', 'identifier', 'birthdate', 'general-practitioner', '_id', '_lastUpdated']));
    expect(patient.searchParam.find((p: { name: string }) => p.name === 'birthdate').type).toBe('date');
    // Listed only when it works: quantity and untranslatable expressions are not advertised.
    expect(names).not.toContain('deceased');
    expect(byType('Observation').searchParam.map((p: { name: string }) => p.name)).not.toContain('value-quantity');
    expect(byType('User').searchParam.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['userName', 'email', 'identifier', 'inactive']));
  });

  it('is generated from the same registry the server searches with: every advertised parameter is accepted', async () => {
    const { body } = await server.http.get('/fhir/metadata').expect(200);
    const observation = body.rest[0].resource.find((resource: { type: string }) => resource.type === 'Observation');
    for (const param of observation.searchParam as Array<{ name: string }>) {
      const response = await server.http.get(`/fhir/Observation?${param.name}:missing=true&_summary=count`);
      expect([param.name, response.status]).toEqual([param.name, 200]);
    }
  });
});
