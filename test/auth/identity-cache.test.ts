import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import supertest from 'supertest';
import { loadConfig } from '../../src/config/load-config';
import { createApp } from '../../src/http/create-app';
import { createServices, type RunningServices } from '../../src/server/start-server';
import { createClient, userToken } from '../support/auth-factories';
import { ADMIN_PASSWORD, ROOT_SECRET, startTestServer, type TestServer } from '../support/test-server';

/** Two server processes on one database: what one changes, the other must see without restarting. */
let server: TestServer;
let otherServices: RunningServices;
let other: ReturnType<typeof supertest>;
beforeAll(async () => {
  server = await startTestServer();
  const { databaseUrl } = server.services.config;
  const config = loadConfig({ BOX_WEB_BASE_URL: 'http://localhost:8080', BOX_LOG_LEVEL: 'silent', BOX_AUTH_BCRYPT_COST: '4', BOX_ROOT_CLIENT_SECRET: ROOT_SECRET, BOX_ADMIN_PASSWORD: ADMIN_PASSWORD, ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}) });
  // Connections of its own on PostgreSQL, so only NOTIFY carries changes across (PGlite cannot be shared).
  otherServices = await createServices(config, databaseUrl ? {} : { db: server.services.db });
  other = supertest(createApp(otherServices));
});
afterAll(async () => {
  if (otherServices.db !== server.services.db) await otherServices.close();
  await server.close();
});

/** NOTIFY arrives at the other process shortly after commit. */
async function eventually(check: () => Promise<number>, status: number): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    if ((await check()) === status) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(await check()).toBe(status);
}

describe('cached identities across processes', () => {
  it('a session revoked by one process is refused by the other', async () => {
    const { client, token } = await userToken(server);
    const auth = { authorization: `Bearer ${token.access_token}` };
    await other.get('/auth/userinfo').set(auth).expect(200);
    await server.anonymous.post('/auth/revoke').type('form').auth(client.id, client.secret).send({ token: token.access_token }).expect(200);
    await server.anonymous.get('/auth/userinfo').set(auth).expect(401);
    await eventually(async () => (await other.get('/auth/userinfo').set(auth)).status, 401);
  });

  it('a user deactivated through one process is refused by the other', async () => {
    const { user, token } = await userToken(server);
    const auth = { authorization: `Bearer ${token.access_token}` };
    await other.get('/auth/userinfo').set(auth).expect(200);
    await server.http.patch(`/User/${user.id}`).set('content-type', 'application/merge-patch+json').send({ inactive: true }).expect(200);
    await eventually(async () => (await other.get('/auth/userinfo').set(auth)).status, 401);
  });

  it("a client's new secret and deactivation reach the other process", async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    await other.get('/Patient/_history').auth(client.id, client.secret).expect(403);
    await server.http.put(`/Client/${client.id}`).send({ grant_types: ['basic'], secret: 'the-new-secret' }).expect(200);
    await eventually(async () => (await other.get('/Patient/_history').auth(client.id, client.secret)).status, 401);
    await other.get('/Patient/_history').auth(client.id, 'the-new-secret').expect(403);
    await server.http.delete(`/Client/${client.id}`).expect(200);
    await eventually(async () => (await other.get('/Patient/_history').auth(client.id, 'the-new-secret')).status, 401);
  });

  it('an old opaque access token stops working after a refresh, even when cached', async () => {
    const { client, token } = await userToken(server, { client: { auth: { password: { refresh_token: true } } } });
    const auth = { authorization: `Bearer ${token.access_token}` };
    await server.anonymous.get('/auth/userinfo').set(auth).expect(200);
    const refreshed = await server.anonymous.post('/auth/token').type('form').auth(client.id, client.secret).send({ grant_type: 'refresh_token', refresh_token: token.refresh_token }).expect(200);
    await server.anonymous.get('/auth/userinfo').set(auth).expect(401);
    await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${refreshed.body.access_token}`).expect(200);
  });
});
