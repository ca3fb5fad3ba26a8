import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import supertest from 'supertest';
import { createApp } from '../../src/http/create-app';
import { createLogger } from '../../src/log/logger';
import { createServices } from '../../src/server/start-server';
import { ROOT_SECRET, startTestServer, type TestServer } from '../support/test-server';

// FHIR http.html#ccreate and #cond-update: a condition that matches nothing creates, one that matches
// one resource finds (create: 200) or updates (update: 200) it. Requests sent at once with the same
// condition must behave as if sent one after another: exactly one creates, the others see it.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const PARALLEL = 20;
const ROUNDS = 3;
const SYSTEM = 'urn:race';

const identified = (value: string, extra: Record<string, unknown> = {}) => ({ resourceType: 'Patient', identifier: [{ system: SYSTEM, value }], ...extra });
const rowsWith = async (value: string) =>
  Number((await server.sql<{ n: string }>('select count(*) as n from patient where resource @> $1::jsonb', [JSON.stringify({ identifier: [{ system: SYSTEM, value }] })]))[0].n);
const tally = (statuses: (number | string)[]) => statuses.reduce<Record<string, number>>((counts, status) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }), {});

describe('conditional writes sent at the same time with one condition', () => {
  it('conditional create: exactly one is created (201), every other request gets it back (200)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const value = `create-${round}`;
      const responses = await Promise.all(
        Array.from({ length: PARALLEL }, () => server.http.post('/fhir/Patient').set('If-None-Exist', `identifier=${SYSTEM}|${value}`).send(identified(value))),
      );
      expect(tally(responses.map((r) => r.status))).toEqual({ 201: 1, 200: PARALLEL - 1 });
      expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
      expect(await rowsWith(value)).toBe(1);
    }
  });

  it('conditional update with no match: exactly one is created (201), every other request updates it (200)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const value = `update-${round}`;
      const responses = await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) => server.http.put(`/fhir/Patient?identifier=${SYSTEM}|${value}`).send(identified(value, { name: [{ family: `F${i}` }] }))),
      );
      expect(tally(responses.map((r) => r.status))).toEqual({ 201: 1, 200: PARALLEL - 1 });
      expect(new Set(responses.map((r) => r.body.id)).size).toBe(1);
      expect(await rowsWith(value)).toBe(1);
      const [id] = responses.map((r) => r.body.id);
      const versions = await server.sql<{ n: string }>('select count(*) as n from patient_history where id = $1', [id]);
      expect(Number(versions[0].n)).toBe(PARALLEL);
    }
  });

  it('the same condition written differently (order, percent-encoding, a full URL) is still one condition', async () => {
    const value = 'spelled';
    const conditions = [
      `identifier=${SYSTEM}|${value}&gender=female`,
      `gender=female&identifier=${SYSTEM}|${value}`,
      `Patient?identifier=${encodeURIComponent(`${SYSTEM}|${value}`)}&gender=female`,
      `${server.url}/fhir/Patient?gender=female&identifier=${SYSTEM}%7C${value}`,
    ];
    const responses = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) => server.http.post('/fhir/Patient').set('If-None-Exist', conditions[i % conditions.length]).send(identified(value, { gender: 'female' }))),
    );
    expect(tally(responses.map((r) => r.status))).toEqual({ 201: 1, 200: PARALLEL - 1 });
    expect(await rowsWith(value)).toBe(1);
  });

  it('two servers on one database: conditional creates and updates with one condition sent to both at once create exactly once', async () => {
    // A second server with its own pool, caches and services, as another process would have; only
    // PostgreSQL is shared. PGlite is one database inside one process: there they share its handle.
    const { config, db } = server.services;
    const second = await createServices(config, { ...(config.databaseUrl ? {} : { db }), logger: createLogger('silent'), print: () => undefined });
    try {
      const other = supertest(createApp(second));
      for (let round = 0; round < ROUNDS; round++) {
        const value = `two-servers-${round}`;
        const responses = await Promise.all(
          Array.from({ length: PARALLEL }, (_, i) =>
            i % 2 === 0
              ? server.http.post('/fhir/Patient').set('If-None-Exist', `identifier=${SYSTEM}|${value}`).send(identified(value))
              : other.put(`/fhir/Patient?identifier=${SYSTEM}|${value}`).auth('root', ROOT_SECRET).send(identified(value)),
          ),
        );
        expect(tally(responses.map((r) => r.status))).toEqual({ 201: 1, 200: PARALLEL - 1 });
        expect(await rowsWith(value)).toBe(1);
      }
    } finally {
      if (config.databaseUrl) await second.close();
    }
  });

  it.each(['transaction', 'batch'])('a conditional create entry in %s bundles sent at once: exactly one is created, the other entries get it', async (type) => {
    for (let round = 0; round < ROUNDS; round++) {
      const value = `${type}-${round}`;
      const bundle = {
        resourceType: 'Bundle',
        type,
        entry: [
          { resource: identified(value), request: { method: 'POST', url: 'Patient', ifNoneExist: `identifier=${SYSTEM}|${value}` } },
          { resource: identified(`${value}-upsert`), request: { method: 'PUT', url: `Patient?identifier=${SYSTEM}|${value}-upsert` } },
        ],
      };
      const responses = await Promise.all(Array.from({ length: PARALLEL }, () => server.http.post('/fhir').send(bundle)));
      expect(responses.map((r) => r.status)).toEqual(new Array(PARALLEL).fill(200));
      expect(tally(responses.map((r) => r.body.entry[0].response.status))).toEqual({ '201 Created': 1, '200 OK': PARALLEL - 1 });
      expect(tally(responses.map((r) => r.body.entry[1].response.status))).toEqual({ '201 Created': 1, '200 OK': PARALLEL - 1 });
      expect(await rowsWith(value)).toBe(1);
      expect(await rowsWith(`${value}-upsert`)).toBe(1);
    }
  });

  // The write holds a transaction (and the condition's lock) while the policy's query is checked:
  // a check on another connection waited forever on PGlite (one connection), and on PostgreSQL for a
  // pool connection held by other writers' transactions, each waiting for one too.
  it("an sql-engine AccessPolicy written conditionally or in a transaction bundle has its query checked on the writer's transaction", async () => {
    const policy = (id: string, query: string) => ({ resourceType: 'AccessPolicy', id, engine: 'sql', sql: { query } });
    await server.http.put('/fhir/AccessPolicy?_id=cond-sql').send(policy('cond-sql', 'select false')).expect(201);
    await server.http.put('/fhir/AccessPolicy?_id=cond-sql').send(policy('cond-sql', 'select nothing from nowhere')).expect(422);
    const bundle = (query: string) => ({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: policy('tx-sql', query), request: { method: 'PUT', url: 'AccessPolicy/tx-sql' } }] });
    await server.http.post('/fhir').send(bundle('select nothing from nowhere')).expect(422);
    await server.http.post('/fhir').send(bundle('select false')).expect(200);
    const stored = await server.sql<{ id: string; query: string }>("select id, resource#>>'{sql,query}' as query from accesspolicy where id in ('cond-sql', 'tx-sql') order by id");
    expect(stored).toEqual([{ id: 'cond-sql', query: 'select false' }, { id: 'tx-sql', query: 'select false' }]);
    // More bundles at once than the pool (5 in tests) has connections: none may wait for a second one.
    const many = await Promise.all(
      Array.from({ length: 10 }, (_, i) => server.http.post('/fhir').send({ resourceType: 'Bundle', type: 'transaction', entry: [{ resource: policy(`many-${i}`, 'select false'), request: { method: 'PUT', url: `AccessPolicy/many-${i}` } }] })),
    );
    expect(many.map((r) => r.status)).toEqual(new Array(10).fill(200));
  }, 10_000);
});
