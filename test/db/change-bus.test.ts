import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import supertest from 'supertest';
import { loadConfig } from '../../src/config/load-config';
import { ANNOUNCED_TYPES, type Change } from '../../src/db/change-bus';
import { createApp } from '../../src/http/create-app';
import { createLogger } from '../../src/log/logger';
import { createServices, type RunningServices } from '../../src/server/start-server';
import { createClient, userToken } from '../support/auth-factories';
import { ADMIN_PASSWORD, ROOT_SECRET, startTestServer, type TestServer } from '../support/test-server';

/**
 * Every cache follows one feed of committed writes: this process's own apply to its very next
 * request, another process's (a second server on the same database, with its own connections)
 * within NOTIFY's latency, and a write that rolls back reaches no one.
 */
let server: TestServer;
let otherServices: RunningServices;
let other: ReturnType<typeof supertest>;
/** Every change this process's caches are told of, from its own store or by NOTIFY. */
const heard: Change[] = [];

beforeAll(async () => {
  server = await startTestServer();
  const { databaseUrl } = server.services.config;
  const config = loadConfig({
    BOX_WEB_BASE_URL: 'http://localhost:8080',
    BOX_AUTH_BCRYPT_COST: '4',
    BOX_ROOT_CLIENT_SECRET: ROOT_SECRET,
    BOX_ADMIN_PASSWORD: ADMIN_PASSWORD,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  });
  // On PostgreSQL the other process opens a database of its own, so only NOTIFY links the two;
  // an in-memory PGlite cannot be shared by two processes, so there it shares the handle.
  otherServices = await createServices(config, { ...(databaseUrl ? {} : { db: server.services.db }), logger: createLogger('silent'), print: () => undefined });
  other = supertest(createApp(otherServices));
  await server.services.db.changes.subscribe({ changeTypes: [...ANNOUNCED_TYPES], onChange: (change) => heard.push(change), onMissed: () => undefined });
});

afterAll(async () => {
  if (otherServices.db !== server.services.db) await otherServices.close();
  await server.close();
});

/** NOTIFY arrives shortly after commit: polls for up to two seconds. */
async function eventually(check: () => Promise<number>, status: number): Promise<void> {
  for (let attempt = 0; attempt < 100 && (await check()) !== status; attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await check()).toBe(status);
}

/** A Client with Basic access and no policy: 403 with its secret, 401 with any other. */
const withBasic = (agent: ReturnType<typeof supertest>, id: string, secret: string) => agent.get('/fhir/Patient?_count=1').auth(id, secret);
const status = async (request: PromiseLike<{ status: number }>) => (await request).status;

function transaction(entry: Array<Record<string, unknown>>) {
  return server.http.post('/fhir').send({ resourceType: 'Bundle', type: 'transaction', entry });
}

describe('a change made by this process', () => {
  it('is told to its caches by the store before the response, not left to NOTIFY: a new Session, which no trigger announces, is heard at once', async () => {
    const created = await server.http.post('/Session').send({ active: true }).expect(201);
    expect(heard).toContainEqual({ resourceType: 'Session', id: created.body.id, op: 'create' });
    const bundled = await transaction([{ resource: { resourceType: 'Session', active: true }, request: { method: 'POST', url: 'Session' } }]).expect(200);
    const id = /Session\/([^/]+)/.exec(bundled.body.entry[0].response.location)![1];
    expect(heard).toContainEqual({ resourceType: 'Session', id, op: 'create' });
    // Sessions of token grants are written in batches, by the session writer: told the same way.
    const { user } = await userToken(server);
    const [granted] = await server.sql<{ id: string }>(`select id from session where resource#>>'{user,id}' = $1`, [user.id]);
    expect(heard).toContainEqual({ resourceType: 'Session', id: granted.id, op: 'create' });
  });

  it("applies a Client's new secret to the very next request", async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    expect(await status(withBasic(server.anonymous, client.id, client.secret))).toBe(403);
    await server.http.put(`/Client/${client.id}`).send({ grant_types: ['basic'], secret: 'the-new-secret' }).expect(200);
    expect(await status(withBasic(server.anonymous, client.id, client.secret))).toBe(401);
    expect(await status(withBasic(server.anonymous, client.id, 'the-new-secret'))).toBe(403);
  });

  it('applies a delete too: a deleted Client cannot authenticate on the next request', async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    expect(await status(withBasic(server.anonymous, client.id, client.secret))).toBe(403);
    await server.http.delete(`/Client/${client.id}`).expect(200);
    expect(await status(withBasic(server.anonymous, client.id, client.secret))).toBe(401);
    expect(heard).toContainEqual({ resourceType: 'Client', id: client.id, op: 'delete' });
  });

  it("applies a transaction bundle's writes to the next request once it commits", async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    const { user, token } = await userToken(server);
    const read = () => server.anonymous.get('/fhir/Patient?_count=1').set('authorization', `Bearer ${token.access_token}`);
    expect(await status(read())).toBe(403);
    expect(await status(withBasic(server.anonymous, client.id, client.secret))).toBe(403);
    await transaction([
      { resource: { resourceType: 'AccessPolicy', id: `reads-${user.id}`, engine: 'allow', link: [{ reference: `User/${user.id}` }] }, request: { method: 'PUT', url: `AccessPolicy/reads-${user.id}` } },
      { resource: { resourceType: 'Client', id: client.id, grant_types: ['basic'], secret: 'bundled-secret' }, request: { method: 'PUT', url: `Client/${client.id}` } },
    ]).expect(200);
    expect(await status(read())).toBe(200);
    expect(await status(withBasic(server.anonymous, client.id, client.secret))).toBe(401);
  });

  it("lets a transaction bundle's later entries be judged by the policies its earlier entries wrote", async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    const link = [{ reference: `Client/${client.id}` }];
    await server.http.put(`/fhir/AccessPolicy/bundles-${client.id}`).send({ resourceType: 'AccessPolicy', engine: 'matcho', link, matcho: { operation: { id: 'FhirTransaction' } } }).expect(201);
    await server.http.put(`/fhir/AccessPolicy/policies-${client.id}`).send({ resourceType: 'AccessPolicy', engine: 'matcho', link, matcho: { operation: { id: 'FhirUpdate' }, params: { 'resource/type': 'AccessPolicy' } } }).expect(201);
    const response = await server.anonymous.post('/fhir').auth(client.id, client.secret).send({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'AccessPolicy', id: `granted-${client.id}`, engine: 'allow', link }, request: { method: 'PUT', url: `AccessPolicy/granted-${client.id}` } },
        { resource: { resourceType: 'Patient', id: `granted-${client.id}` }, request: { method: 'PUT', url: `Patient/granted-${client.id}` } },
      ],
    });
    expect(response.status).toBe(200);
  });
});

describe('a change made by another process', () => {
  it("applies a Client's new secret within a short poll", async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    expect(await status(withBasic(server.anonymous, client.id, client.secret))).toBe(403);
    await other.put(`/Client/${client.id}`).auth('root', ROOT_SECRET).send({ grant_types: ['basic'], secret: 'changed-elsewhere' }).expect(200);
    await eventually(() => status(withBasic(server.anonymous, client.id, client.secret)), 401);
    expect(await status(withBasic(server.anonymous, client.id, 'changed-elsewhere'))).toBe(403);
  });

  it('applies a delete: a Client deleted by this process stops authenticating at the other', async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    expect(await status(withBasic(other, client.id, client.secret))).toBe(403);
    await server.http.delete(`/Client/${client.id}`).expect(200);
    await eventually(() => status(withBasic(other, client.id, client.secret)), 401);
  });

  it('stops the token of a Session ended by SQL, in every process', async () => {
    const { user, token } = await userToken(server);
    const userinfo = (agent: ReturnType<typeof supertest>) => agent.get('/auth/userinfo').set('authorization', `Bearer ${token.access_token}`);
    expect(await status(userinfo(server.anonymous))).toBe(200);
    expect(await status(userinfo(other))).toBe(200);
    const ended = await server.sql(`update session set resource = resource || '{"active": false}' where resource#>>'{user,id}' = $1 returning id`, [user.id]);
    expect(ended).toHaveLength(1);
    await eventually(() => status(userinfo(server.anonymous)), 401);
    await eventually(() => status(userinfo(other)), 401);
  });
});

describe('a transaction that rolls back', () => {
  it('leaves a policy it deleted in force and a secret it changed unchanged, and nobody hears of either', async () => {
    const { user, token } = await userToken(server);
    const client = await createClient(server, { grant_types: ['basic'] });
    const policy = `kept-${user.id}`;
    await server.http.put(`/fhir/AccessPolicy/${policy}`).send({ resourceType: 'AccessPolicy', engine: 'allow', link: [{ reference: `User/${user.id}` }] }).expect(201);
    const read = (agent: ReturnType<typeof supertest>) => agent.get('/fhir/Patient?_count=1').set('authorization', `Bearer ${token.access_token}`);
    expect(await status(read(server.anonymous))).toBe(200);
    expect(await status(read(other))).toBe(200);
    expect(await status(withBasic(server.anonymous, client.id, client.secret))).toBe(403);

    const failed = await transaction([
      { request: { method: 'DELETE', url: `AccessPolicy/${policy}` } },
      { resource: { resourceType: 'Client', id: client.id, grant_types: ['basic'], secret: 'never-committed' }, request: { method: 'PUT', url: `Client/${client.id}` } },
      { resource: { resourceType: 'Patient', birthDate: 'not a date' }, request: { method: 'POST', url: 'Patient' } },
    ]);
    expect(failed.status).toBeGreaterThanOrEqual(400);
    expect(failed.status).toBeLessThan(500);

    // NOTIFY delivers in commit order: once a later write is heard, an earlier one would have been.
    await other.put('/fhir/AccessPolicy/sentinel').auth('root', ROOT_SECRET).send({ resourceType: 'AccessPolicy', engine: 'matcho', matcho: { 'request-method': 'no-such-method' } }).expect((res) => expect(res.status).toBeLessThan(300));
    for (let attempt = 0; attempt < 100 && !heard.some((change) => change.id === 'sentinel'); attempt++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(heard.some((change) => change.id === 'sentinel')).toBe(true);
    expect(heard.filter((change) => (change.id === policy || change.id === client.id) && change.op !== 'create')).toEqual([]);

    expect(await status(read(server.anonymous))).toBe(200);
    expect(await status(read(other))).toBe(200);
    expect(await status(withBasic(server.anonymous, client.id, client.secret))).toBe(403);
  });
});

describe('the change triggers', () => {
  it('announce exactly the types a cache may follow, on one channel, and no new Session', async () => {
    const triggers = await server.sql<{ table: string; name: string; inserts: boolean }>(
      `select c.relname as table, t.tgname as name, (t.tgtype & 4) <> 0 as inserts
       from pg_trigger t join pg_class c on c.oid = t.tgrelid where not t.tgisinternal order by 1, 2`,
    );
    const announcing = triggers.filter((trigger) => trigger.name === 'lockbox_changed');
    expect(announcing.map((trigger) => trigger.table).sort()).toEqual([...ANNOUNCED_TYPES].map((type) => type.toLowerCase()).sort());
    expect(announcing.filter((trigger) => !trigger.inserts).map((trigger) => trigger.table)).toEqual(['session']);
    expect(triggers.filter((trigger) => trigger.name === 'lockbox_truncated')).toHaveLength(ANNOUNCED_TYPES.size);
    expect(triggers.filter((trigger) => !['lockbox_changed', 'lockbox_truncated'].includes(trigger.name))).toEqual([]);
  });
});
