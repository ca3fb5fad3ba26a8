import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * The RFC 6902 conformance cases of the json-patch-test-suite package, driven through PATCH.
 * Each case's document lives under User.data.v (a free-form field), so every operation path is
 * prefixed with /data/v; the cases the suite itself marks disabled are not generated.
 */
interface Case {
  comment?: string;
  doc: unknown;
  patch: Array<Record<string, unknown>>;
  expected?: unknown;
  error?: string;
  disabled?: boolean;
}

const require = createRequire(import.meta.url);
const cases: Case[] = [...require('json-patch-test-suite/tests.json'), ...require('json-patch-test-suite/spec_tests.json')].filter((c: Case) => !c.disabled);

const prefix = (pointer: unknown) => (typeof pointer === 'string' ? `/data/v${pointer}` : pointer);
const moved = (patch: Case['patch']) => patch.map((op) => ({ ...op, ...('path' in op ? { path: prefix(op.path) } : {}), ...('from' in op ? { from: prefix(op.from) } : {}) }));

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const named = cases.map((c, index) => [`${index}: ${c.comment ?? c.error ?? JSON.stringify(c.patch)}`, c] as const);

describe('JSON Patch conformance (json-patch-test-suite)', () => {
  it.each(named.filter(([, c]) => !c.error))('applies %s', async (_name, c) => {
    const id = `jp-ok-${cases.indexOf(c)}`;
    await server.http.put(`/User/${id}`).send({ data: { v: c.doc } }).expect(201);
    const patched = await server.http.patch(`/User/${id}`).set('Content-Type', 'application/json-patch+json').send(JSON.stringify(moved(c.patch)));
    expect(patched.status).toBe(200);
    const read = await server.http.get(`/User/${id}`).expect(200);
    expect(read.body.data.v).toEqual('expected' in c ? c.expected : c.doc);
  });

  it.each(named.filter(([, c]) => c.error))('refuses %s, leaving the resource and its history untouched', async (_name, c) => {
    const id = `jp-err-${cases.indexOf(c)}`;
    const created = await server.http.put(`/User/${id}`).send({ data: { v: c.doc } }).expect(201);
    const patched = await server.http.patch(`/User/${id}`).set('Content-Type', 'application/json-patch+json').send(JSON.stringify(moved(c.patch)));
    expect(patched.status).toBeGreaterThanOrEqual(400);
    expect(patched.status).toBeLessThan(500);
    expect(patched.body.resourceType).toBe('OperationOutcome');
    const read = await server.http.get(`/User/${id}`).expect(200);
    expect(read.body.meta.versionId).toBe(created.body.meta.versionId);
    expect(read.body.data.v).toEqual(c.doc);
    const history = await server.sql('select txid from user_history where id = $1', [id]);
    expect(history).toHaveLength(1);
  });
});

describe('PATCH', () => {
  it('applies a merge patch, validates the result, and refuses an invalid outcome', async () => {
    await server.http.put('/fhir/Patient/mp-1').send({ resourceType: 'Patient', gender: 'female', active: true }).expect(201);
    const ok = await server.http.patch('/fhir/Patient/mp-1').set('Content-Type', 'application/merge-patch+json').send(JSON.stringify({ active: null, birthDate: '1990-01-01' })).expect(200);
    expect(ok.body.active).toBeUndefined();
    expect(ok.body.birthDate).toBe('1990-01-01');
    const bad = await server.http.patch('/fhir/Patient/mp-1').set('Content-Type', 'application/merge-patch+json').send(JSON.stringify({ gender: 'robot' })).expect(422);
    expect(bad.body.issue[0].expression).toEqual(['Patient.gender']);
    const history = await server.sql('select txid from patient_history where id = $1', ['mp-1']);
    expect(history).toHaveLength(2);
  });

  it('patches FHIR references in FHIR form on /fhir', async () => {
    await server.http.put('/fhir/Patient/mp-2').send({ resourceType: 'Patient' }).expect(201);
    const ops = [{ op: 'add', path: '/managingOrganization', value: { reference: 'Organization/o1' } }];
    const { body } = await server.http.patch('/fhir/Patient/mp-2').set('Content-Type', 'application/json-patch+json').send(JSON.stringify(ops)).expect(200);
    expect(body.managingOrganization).toEqual({ reference: 'Organization/o1' });
    const [row] = await server.sql<{ ref: unknown }>(`select resource->'managingOrganization' as ref from patient where id = 'mp-2'`);
    expect(row.ref).toEqual({ id: 'o1', resourceType: 'Organization' });
  });

  it('refuses other media types with 415, a missing resource with 404, and a stale If-Match with 412', async () => {
    await server.http.put('/fhir/Patient/mp-3').send({ resourceType: 'Patient' }).expect(201);
    await server.http.patch('/fhir/Patient/mp-3').set('Content-Type', 'application/fhir+json').send('{}').expect(415);
    await server.http.patch('/fhir/Patient/nobody').set('Content-Type', 'application/merge-patch+json').send('{}').expect(404);
    await server.http.patch('/fhir/Patient/mp-3').set('Content-Type', 'application/merge-patch+json').set('If-Match', 'W/"1"').send('{}').expect(412);
  });
});

describe('concurrency', () => {
  it('lets exactly one of 20 parallel PUTs with the same If-Match succeed; the rest get 412', async () => {
    const { body } = await server.http.put('/fhir/Patient/race-1').send({ resourceType: 'Patient' }).expect(201);
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        server.http.put('/fhir/Patient/race-1').set('If-Match', `W/"${body.meta.versionId}"`).send({ resourceType: 'Patient', birthDate: `2000-01-${String(i + 1).padStart(2, '0')}` }),
      ),
    );
    const statuses = attempts.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(19);
    const history = await server.sql('select txid from patient_history where id = $1', ['race-1']);
    expect(history).toHaveLength(2);
  });
});
