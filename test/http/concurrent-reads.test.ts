import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../support/test-server';

// Reads by id outside a transaction are coalesced into one statement per type and event-loop turn
// (src/store/read-batcher.ts). These tests fire many reads at once so that they land in one batch.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('concurrent reads by id', () => {
  it('answer each request with its own resource, 404 or 410, even when they share a round trip', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `batch-${i}`);
    for (const id of ids) await server.http.put(`/fhir/Patient/${id}`).send({ resourceType: 'Patient', id, name: [{ family: `F${id}` }] }).expect(201);
    await server.http.put('/fhir/Practitioner/batch-0').send({ resourceType: 'Practitioner', id: 'batch-0', name: [{ family: 'Doc' }] }).expect(201);
    await server.http.delete('/fhir/Patient/batch-29').expect(200);

    const paths = [...ids.map((id) => `/fhir/Patient/${id}`), '/fhir/Patient/never-there', '/fhir/Practitioner/batch-0', '/Patient/batch-3', '/fhir/Patient/batch-3'];
    const responses = await Promise.all(paths.map((path) => server.http.get(path)));
    const byPath = new Map(paths.map((path, i) => [path, responses[i]]));

    for (const id of ids.slice(0, 29)) {
      const response = byPath.get(`/fhir/Patient/${id}`)!;
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ resourceType: 'Patient', id, name: [{ family: `F${id}` }] });
    }
    expect(byPath.get('/fhir/Patient/batch-29')!.status).toBe(410);
    expect(byPath.get('/fhir/Patient/never-there')!.status).toBe(404);
    expect(byPath.get('/fhir/Practitioner/batch-0')!.body).toMatchObject({ resourceType: 'Practitioner', name: [{ family: 'Doc' }] });
    // The same id asked twice in one batch, once in each path style.
    expect(byPath.get('/Patient/batch-3')!.body).toMatchObject({ id: 'batch-3', meta: { createdAt: expect.any(String) } });
    expect(byPath.get('/fhir/Patient/batch-3')!.body.meta.createdAt).toBeUndefined();
  });

  it('see every write that committed before the read was sent, including one made by SQL', async () => {
    await server.http.put('/fhir/Patient/rw').send({ resourceType: 'Patient', id: 'rw', gender: 'male' }).expect(201);
    for (let round = 0; round < 5; round++) {
      const gender = round % 2 ? 'male' : 'female';
      const written = await server.http.put('/fhir/Patient/rw').send({ resourceType: 'Patient', id: 'rw', gender }).expect(200);
      const reads = await Promise.all(Array.from({ length: 8 }, () => server.http.get('/fhir/Patient/rw').expect(200)));
      for (const read of reads) expect(read.body).toMatchObject({ gender, meta: { versionId: written.body.meta.versionId } });
    }
    await server.sql(`update patient set resource = resource || '{"gender":"other"}' where id = 'rw'`);
    const reads = await Promise.all(Array.from({ length: 8 }, () => server.http.get('/fhir/Patient/rw').expect(200)));
    for (const read of reads) expect(read.body.gender).toBe('other');
  });
});
