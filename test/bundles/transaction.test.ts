import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const PATIENT_URN = 'urn:uuid:6f1b1c1e-0000-4000-8000-000000000001';
const count = async (table: string, where = 'true', params: unknown[] = []) =>
  Number((await server.sql<{ n: string }>(`select count(*) as n from ${table} where ${where}`, params))[0].n);

describe('transaction bundles', () => {
  it('creates every entry, resolves urn:uuid references, and answers a transaction-response', async () => {
    const response = await server.http.post('/fhir').send({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:6f1b1c1e-0000-4000-8000-000000000002',
          resource: { resourceType: 'Observation', status: 'final', code: { text: 'pulse' }, subject: { reference: PATIENT_URN } },
          request: { method: 'POST', url: 'Observation' },
        },
        { fullUrl: PATIENT_URN, resource: { resourceType: 'Patient', name: [{ family: 'Urn' }] }, request: { method: 'POST', url: 'Patient' } },
      ],
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ resourceType: 'Bundle', type: 'transaction-response' });
    const [observation, patient] = response.body.entry;
    expect(patient.response.status).toBe('201 Created');
    expect(patient.response.location).toMatch(/^http:\/\/localhost:8080\/fhir\/Patient\/[^/]+\/_history\/\d+$/);
    expect(patient.response.etag).toMatch(/^W\/"\d+"$/);
    expect(observation.resource.subject).toEqual({ reference: `Patient/${patient.resource.id}` });
    const stored = await server.sql<{ resource: { subject: unknown } }>('select resource from observation where id = $1', [observation.resource.id]);
    expect(stored[0].resource.subject).toEqual({ id: patient.resource.id, resourceType: 'Patient' });
  });

  it('a failure in entry 3 leaves no trace of entries 1–2, and the outcome names entry[2]', async () => {
    const before = await count('patient');
    const response = await server.http.post('/fhir').send({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', id: 'tx-first', name: [{ family: 'One' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Patient', id: 'tx-second', name: [{ family: 'Two' }] }, request: { method: 'POST', url: 'Patient' } },
        { resource: { resourceType: 'Patient', id: 'tx-third', gender: 42 }, request: { method: 'PUT', url: 'Patient/tx-third' } },
      ],
    });
    expect(response.status).toBe(422);
    expect(response.body.resourceType).toBe('OperationOutcome');
    expect(response.body.issue[0].diagnostics).toContain('entry[2]');
    expect(response.body.issue[0].expression).toContain('Bundle.entry[2]');
    expect(await count('patient')).toBe(before);
    expect(await count('patient_history', "id in ('tx-first', 'tx-second')")).toBe(0);
  });

  it('runs conditional create and conditional update inside the transaction', async () => {
    await server.http.post('/fhir/Patient').send({ resourceType: 'Patient', id: 'cond-1', identifier: [{ system: 'urn:t', value: 'c1' }] }).expect(201);
    const response = await server.http.post('/fhir').send({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:6f1b1c1e-0000-4000-8000-000000000010',
          resource: { resourceType: 'Patient', identifier: [{ system: 'urn:t', value: 'c1' }] },
          request: { method: 'POST', url: 'Patient', ifNoneExist: 'identifier=urn:t|c1' },
        },
        {
          resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:6f1b1c1e-0000-4000-8000-000000000010' } },
          request: { method: 'POST', url: 'Observation' },
        },
        {
          resource: { resourceType: 'Patient', identifier: [{ system: 'urn:t', value: 'c2' }], gender: 'other' },
          request: { method: 'PUT', url: 'Patient?identifier=urn:t|c2' },
        },
      ],
    }).expect(200);
    const [found, observation, upserted] = response.body.entry;
    expect(found.response.status).toBe('200 OK');
    expect(found.resource.id).toBe('cond-1');
    expect(observation.resource.subject).toEqual({ reference: 'Patient/cond-1' });
    expect(upserted.response.status).toBe('201 Created');
  });

  it('processes DELETE before POST, PUT and GET, and reports entries in their original order', async () => {
    await server.http.put('/fhir/Patient/order-del').send({ resourceType: 'Patient' }).expect(201);
    const response = await server.http.post('/fhir').send({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { request: { method: 'GET', url: 'Patient?_id=order-del,order-new' } },
        { resource: { resourceType: 'Patient', id: 'order-new' }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'DELETE', url: 'Patient/order-del' } },
      ],
    }).expect(200);
    const [search, created, deleted] = response.body.entry;
    expect(search.resource.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['order-new']);
    expect(created.response.status).toBe('201 Created');
    expect(deleted.response.status).toBe('200 OK');
  });

  it('works on the stored format at POST /', async () => {
    const response = await server.http.post('/').send({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { fullUrl: 'urn:uuid:6f1b1c1e-0000-4000-8000-000000000020', resource: { resourceType: 'Patient' }, request: { method: 'POST', url: 'Patient' } },
        {
          resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:6f1b1c1e-0000-4000-8000-000000000020' } },
          request: { method: 'POST', url: '/Observation' },
        },
      ],
    }).expect(200);
    const [patient, observation] = response.body.entry;
    expect(observation.resource.subject).toEqual({ id: patient.resource.id, resourceType: 'Patient' });
  });

  it('of two transactions updating one resource with the same If-Match, one commits and the other gets 412', async () => {
    const { body } = await server.http.put('/fhir/Patient/race').send({ resourceType: 'Patient' }).expect(201);
    const bundle = (gender: string) => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: { resourceType: 'Patient', id: 'race', gender }, request: { method: 'PUT', url: 'Patient/race', ifMatch: `W/"${body.meta.versionId}"` } }],
    });
    const results = await Promise.all([server.http.post('/fhir').send(bundle('male')), server.http.post('/fhir').send(bundle('female'))]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
    expect(await count('patient_history', "id = 'race'")).toBe(2);
  });

  it('two transactions updating the same two resources in opposite orders both commit (a deadlock is retried)', async () => {
    await server.http.put('/fhir/Patient/lock-a').send({ resourceType: 'Patient' }).expect(201);
    await server.http.put('/fhir/Patient/lock-b').send({ resourceType: 'Patient' }).expect(201);
    const bundle = (first: string, second: string, gender: string) => ({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [first, second].map((id) => ({ resource: { resourceType: 'Patient', id, gender }, request: { method: 'PUT', url: `Patient/${id}` } })),
    });
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all([
        server.http.post('/fhir').send(bundle('lock-a', 'lock-b', 'male')),
        server.http.post('/fhir').send(bundle('lock-b', 'lock-a', 'female')),
      ]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
    }
    const genders = await server.sql<{ gender: string }>("select resource->>'gender' as gender from patient where id in ('lock-a', 'lock-b')");
    expect(new Set(genders.map((row) => row.gender)).size).toBe(1);
  });

  it('rejects a bundle that is not a transaction or batch, and a nested bundle', async () => {
    await server.http.post('/fhir').send({ resourceType: 'Bundle', type: 'collection' }).expect(400);
    await server.http.post('/fhir').send({ resourceType: 'Patient' }).expect(400);
    const nested = await server.http.post('/fhir').send({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: { resourceType: 'Bundle', type: 'batch' }, request: { method: 'POST', url: '/' } }],
    });
    expect(nested.status).toBe(400);
  });
});

describe('batch bundles', () => {
  it('runs entries independently, each with its own status; a failure is an OperationOutcome in response.outcome', async () => {
    const response = await server.http.post('/fhir').send({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Patient', id: 'batch-ok' }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/does-not-exist' } },
        { resource: { resourceType: 'Patient', gender: 42 }, request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'GET', url: 'Patient/batch-ok' } },
      ],
    }).expect(200);
    expect(response.body.type).toBe('batch-response');
    const statuses = response.body.entry.map((e: { response: { status: string } }) => e.response.status);
    expect(statuses).toEqual(['201 Created', '404 Not Found', '422 Unprocessable Entity', '200 OK']);
    expect(response.body.entry[1].response.outcome.resourceType).toBe('OperationOutcome');
    expect(await count('patient', "id = 'batch-ok'")).toBe(1);
  });
});

describe('conditional update and delete', () => {
  const identified = (value: string, extra: Record<string, unknown> = {}) => ({ resourceType: 'Patient', identifier: [{ system: 'urn:cu', value }], ...extra });

  it('conditional update: no match creates, one match updates, several are 412', async () => {
    const created = await server.http.put('/fhir/Patient?identifier=urn:cu|one').send(identified('one')).expect(201);
    const updated = await server.http.put('/fhir/Patient?identifier=urn:cu|one').send(identified('one', { gender: 'male' })).expect(200);
    expect(updated.body.id).toBe(created.body.id);
    expect(updated.body.gender).toBe('male');
    await server.http.post('/fhir/Patient').send(identified('many')).expect(201);
    await server.http.post('/fhir/Patient').send(identified('many')).expect(201);
    await server.http.put('/fhir/Patient?identifier=urn:cu|many').send(identified('many')).expect(412);
  });

  it('conditional update refuses a body id that is not the match', async () => {
    await server.http.put('/fhir/Patient?identifier=urn:cu|id-check').send(identified('id-check')).expect(201);
    await server.http.put('/fhir/Patient?identifier=urn:cu|id-check').send(identified('id-check', { id: 'other' })).expect(400);
  });

  it('conditional delete: no match is 204, one match is deleted, several are 412', async () => {
    await server.http.delete('/fhir/Patient?identifier=urn:cu|nobody').expect(204);
    const { body } = await server.http.post('/fhir/Patient').send(identified('del-one')).expect(201);
    await server.http.delete('/fhir/Patient?identifier=urn:cu|del-one').expect(200);
    await server.http.get(`/fhir/Patient/${body.id}`).expect(410);
    await server.http.post('/fhir/Patient').send(identified('del-many')).expect(201);
    await server.http.post('/fhir/Patient').send(identified('del-many')).expect(201);
    await server.http.delete('/fhir/Patient?identifier=urn:cu|del-many').expect(412);
    expect(await count('patient', `resource @> $1::jsonb`, [JSON.stringify({ identifier: [{ value: 'del-many' }] })])).toBe(2);
  });

  it('conditional delete needs at least one search parameter', async () => {
    await server.http.delete('/fhir/Patient').expect(400);
  });
});
