import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, createUser, requestToken } from '../support/auth-factories';
import { ADMIN_PASSWORD, ROOT_SECRET, startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const BCRYPT = /^\$2[aby]\$\d\d\$/;

describe('User.password', () => {
  it('is stored only as a bcrypt hash and never returned by read, history, vread or FHIR read', async () => {
    const created = await server.http.post('/User').send({ userName: 'ann', password: 'ann-password-1' }).expect(201);
    expect(created.body.password).toBeUndefined();
    const [row] = await server.sql<{ password: string }>(`select resource->>'password' as password from "user" where id = $1`, [created.body.id]);
    expect(row.password).toMatch(BCRYPT);
    const reads = await Promise.all([
      server.http.get(`/User/${created.body.id}`),
      server.http.get(`/fhir/User/${created.body.id}`),
      server.http.get(`/User/${created.body.id}/_history`),
      server.http.get(`/User/${created.body.id}/_history/${created.body.meta.versionId}`),
      server.http.get(`/User/_history`),
    ]);
    for (const read of reads) {
      expect(read.status).toBe(200);
      expect(JSON.stringify(read.body)).not.toContain('password');
      expect(JSON.stringify(read.body)).not.toContain(row.password);
    }
  });

  it('keeps the stored hash when an update omits the password, and re-hashes a new one', async () => {
    const user = await createUser(server, { userName: 'keeper' });
    const before = (await server.sql<{ p: string }>(`select resource->>'password' as p from "user" where id = $1`, [user.id]))[0].p;
    await server.http.put(`/User/${user.id}`).send({ userName: 'keeper', displayName: 'K' }).expect(200);
    await server.http.patch(`/User/${user.id}`).set('content-type', 'application/merge-patch+json').send({ title: 'Dr' });
    const after = (await server.sql<{ p: string }>(`select resource->>'password' as p from "user" where id = $1`, [user.id]))[0].p;
    expect(after).toBe(before);
    const client = await createClient(server, { grant_types: ['password'] });
    await requestToken(server, { grant_type: 'password', username: 'keeper', password: user.password }, client).expect(200);
    await server.http.put(`/User/${user.id}`).send({ userName: 'keeper', password: 'a-new-password' }).expect(200);
    await requestToken(server, { grant_type: 'password', username: 'keeper', password: user.password }, client).expect(400);
    await requestToken(server, { grant_type: 'password', username: 'keeper', password: 'a-new-password' }, client).expect(200);
  });

  it.each([
    ['too short', 'short'],
    ['longer than 72 bytes', 'é'.repeat(37)],
  ])('refuses a password %s with 422 saying why', async (_name, password) => {
    const response = await server.http.post('/User').send({ userName: `u-${password.length}`, password }).expect(422);
    expect(response.body.issue[0].expression).toEqual(['User.password']);
    expect(response.body.issue[0].diagnostics).toMatch(/8 to 72 bytes/);
  });

  it('makes userName unique regardless of case (409)', async () => {
    await server.http.post('/User').send({ userName: 'Unique.Name', password: 'password-123' }).expect(201);
    const duplicate = await server.http.post('/User').send({ userName: 'unique.name', password: 'password-123' }).expect(409);
    expect(duplicate.body.issue[0].code).toBe('duplicate');
  });
});

describe('Client.secret', () => {
  it('is stored only as its SHA-256 hash and never returned', async () => {
    const created = await server.http.put('/Client/hashed').send({ secret: 'client-secret-value', grant_types: ['client_credentials'] }).expect(201);
    expect(created.body.secret).toBeUndefined();
    const [row] = await server.sql<{ secret: string }>(`select resource->>'secret' as secret from client where id = 'hashed'`);
    expect(row.secret).toMatch(/^[0-9a-f]{64}$/);
    const history = await server.http.get('/Client/hashed/_history').expect(200);
    expect(JSON.stringify(history.body)).not.toMatch(/client-secret-value|[0-9a-f]{64}/);
    // An update without the secret keeps it.
    await server.http.put('/Client/hashed').send({ grant_types: ['client_credentials'], name: 'renamed' }).expect(200);
    await requestToken(server, { grant_type: 'client_credentials' }, { id: 'hashed', secret: 'client-secret-value' }).expect(200);
  });
});

describe('Session', () => {
  it('never shows token hashes', async () => {
    const client = await createClient(server);
    await requestToken(server, { grant_type: 'client_credentials' }, client).expect(200);
    const [row] = await server.sql<{ id: string; access_token: string }>(`select id, resource->>'access_token' as access_token from session order by cts desc limit 1`);
    expect(row.access_token).toMatch(/^[0-9a-f]{64}$/);
    const read = await server.http.get(`/Session/${row.id}`).expect(200);
    expect(read.body).toMatchObject({ type: 'client_credentials', client: { id: client.id, resourceType: 'Client' }, active: true });
    expect(read.body.access_token).toBeUndefined();
    expect(JSON.stringify((await server.http.get(`/Session/${row.id}/_history`)).body)).not.toContain(row.access_token);
  });
});

describe('bootstrap', () => {
  it('has Client root (basic, client_credentials) and User admin with the configured secrets', async () => {
    const root = await server.http.get('/Client/root').expect(200);
    expect(root.body.grant_types).toEqual(['basic', 'client_credentials']);
    await requestToken(server, { grant_type: 'client_credentials' }, { id: 'root', secret: ROOT_SECRET }).expect(200);
    const admin = await server.http.get('/User/admin').expect(200);
    expect(admin.body.userName).toBe('admin');
    await server.anonymous.post('/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD }).expect(200);
  });

  it('generates strong credentials when unset, prints them once (not to the log), and follows the variable later', async () => {
    const first = await startTestServer({ BOX_ROOT_CLIENT_SECRET: '', BOX_ADMIN_PASSWORD: '' });
    try {
      expect(first.printed).toHaveLength(1);
      const secret = /Client root secret.*: (\S+)/.exec(first.printed[0])![1];
      const password = /User admin password.*: (\S+)/.exec(first.printed[0])![1];
      expect(Buffer.from(secret, 'base64url').length).toBeGreaterThanOrEqual(32);
      await first.anonymous.get('/User/admin').auth('root', secret).expect(200);
      await first.anonymous.post('/auth/login').send({ username: 'admin', password }).expect(200);
      expect(first.logs.join('\n')).not.toContain(secret);
      expect(first.logs.join('\n')).not.toContain(password);
      // A restart on the same database prints nothing; with the variable set, the secret follows it.
      const { createServices } = await import('../../src/server/start-server');
      const { loadConfig } = await import('../../src/config/load-config');
      const printed: string[] = [];
      await createServices(loadConfig({ BOX_LOG_LEVEL: 'silent', BOX_AUTH_BCRYPT_COST: '4' }), { db: first.services.db, print: (text) => printed.push(text) });
      expect(printed).toHaveLength(0);
      await createServices(loadConfig({ BOX_LOG_LEVEL: 'silent', BOX_AUTH_BCRYPT_COST: '4', BOX_ROOT_CLIENT_SECRET: 'rotated-root-secret' }), { db: first.services.db, print: (text) => printed.push(text) });
      await first.anonymous.get('/User/admin').auth('root', secret).expect(401);
      await first.anonymous.get('/User/admin').auth('root', 'rotated-root-secret').expect(200);
    } finally {
      await first.close();
    }
  });
});

describe('logs', () => {
  it('never contain a password, secret, token or hash', async () => {
    const { user, token } = await (await import('../support/auth-factories')).userToken(server, { client: { auth: { password: { refresh_token: true } } } });
    await server.anonymous.get('/User/admin').set('authorization', `Bearer ${token.access_token}`);
    await server.anonymous.get('/User/admin').set('authorization', 'Bearer not-a-token');
    const hashes = (await server.sql<{ h: string }>(`select resource->>'access_token' as h from session union all select resource->>'password' from "user"`)).map((row) => row.h).filter(Boolean);
    const logs = server.logs.join('\n');
    for (const secret of [user.password, token.access_token, token.refresh_token!, ROOT_SECRET, ADMIN_PASSWORD, ...hashes]) expect(logs).not.toContain(secret);
  });
});
