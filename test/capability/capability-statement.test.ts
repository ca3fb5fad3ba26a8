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

  it('names the SMART-on-FHIR service and its OAuth endpoints, at the root of the server, in rest.security', async () => {
    const { body } = await server.anonymous.get('/fhir/metadata').expect(200);
    const { security } = body.rest[0];
    expect(security.cors).toBe(true);
    expect(security.service).toEqual([
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR' }],
        text: 'OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)',
      },
    ]);
    const base = server.services.config.baseUrl;
    expect(base).not.toMatch(/\/fhir$/);
    expect(security.extension).toEqual([
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [
          { url: 'authorize', valueUri: `${base}/auth/authorize` },
          { url: 'token', valueUri: `${base}/auth/token` },
          { url: 'introspect', valueUri: `${base}/auth/introspect` },
          { url: 'revoke', valueUri: `${base}/auth/revoke` },
          { url: 'manage', valueUri: `${base}/auth/account` },
        ],
      },
    ]);
    // The stored-format metadata names the same endpoints.
    const stored = await server.anonymous.get('/metadata').expect(200);
    expect(stored.body.rest[0].security).toEqual(security);
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
