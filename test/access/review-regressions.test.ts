import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { userToken } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';

/** Defects a security review found, each pinned by the request that showed it. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.http.put('/fhir/Patient/pt-1').send({ resourceType: 'Patient' }).expect(201);
  await server.http.put('/fhir/Patient/pt-2').send({ resourceType: 'Patient' }).expect(201);
});
afterAll(async () => {
  await server.close();
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('a token cannot break the response', () => {
  it.each([
    ['a line separator', 'http://x\u2028y'],
    ['CR LF', 'http://x\r\nset-cookie: a=b'],
    ['a quote and a backslash', 'http://x"\\'],
  ])('refuses a JWT whose issuer holds %s with 401, and the server stays up', async (_name, iss) => {
    const token = `${b64({ alg: 'RS256' })}.${b64({ iss })}.c2ln`;
    const response = await server.anonymous.get('/fhir/Patient').set('authorization', `Bearer ${token}`).expect(401);
    expect(response.body.resourceType).toBe('OperationOutcome');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="lockbox", error="invalid_token"/);
    expect(response.headers['set-cookie']).toBeUndefined();
    await server.anonymous.get('/health').expect(200);
  });
});

describe('route parameters belong to the router', () => {
  it('a query parameter named resource/id cannot stand in for the route on a search or a create', async () => {
    const nurse = await userToken(server);
    await server.http.post('/Role').send({ name: 'ward-nurse', user: { id: nurse.user.id, resourceType: 'User' }, links: { patient: { id: 'pt-1', resourceType: 'Patient' } } }).expect(201);
    await server.http.put('/AccessPolicy/ward-nurse').send({ engine: 'matcho', roleName: 'ward-nurse', matcho: { params: { 'resource/id': '.role.links.patient.id' } } }).expect(201);
    const auth = { authorization: `Bearer ${nurse.token.access_token}` };
    await server.anonymous.get('/fhir/Patient/pt-1').set(auth).expect(200);
    await server.anonymous.get('/fhir/Patient/pt-2').set(auth).expect(403);
    await server.anonymous.get('/fhir/Patient?resource/id=pt-1').set(auth).set('prefer', 'handling=lenient').expect(403);
    await server.anonymous.post('/fhir/Patient?resource/id=pt-1').set(auth).send({ resourceType: 'Patient' }).expect(403);
  });
});

describe('debug output inside a bundle', () => {
  it('explains an entry of a transaction while an sql policy exists, without hanging', async () => {
    await server.http.put('/AccessPolicy/sql-check').send({ engine: 'sql', sql: { query: 'select false' } }).expect(201);
    const { body } = await server.http
      .post('/fhir')
      .send({ resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'GET', url: 'Patient/pt-1?_debug=policy' } }] })
      .expect(200);
    expect(body.entry[0].resource).toMatchObject({ resourceType: 'AccessDecision', allowed: true });
  });
});

describe('/auth/test-policy on a development server', () => {
  it('lets anyone try a matcho policy but only an administrator an sql one', async () => {
    const dev = await startTestServer({ BOX_SECURITY_DEV_MODE: 'true' });
    try {
      const { token } = await userToken(dev);
      const auth = { authorization: `Bearer ${token.access_token}` };
      await dev.anonymous.post('/auth/test-policy').set(auth).send({ policy: { engine: 'matcho', matcho: {} }, request: {} }).expect(200);
      await dev.anonymous.post('/auth/test-policy').set(auth).send({ policy: { engine: 'sql', sql: { query: `select resource->>'password' is not null from "user" limit 1` } }, request: {} }).expect(403);
      await dev.http.post('/auth/test-policy').send({ policy: { engine: 'sql', sql: { query: 'select true' } }, request: {} }).expect(200);
    } finally {
      await dev.close();
    }
  });
});

describe('revocation racing a refresh', () => {
  it('a revoke sent together with a refresh of the same session always ends it', async () => {
    for (let round = 0; round < 5; round++) {
      const { client, token } = await userToken(server, { client: { grant_types: ['password'], auth: { password: { refresh_token: true } } } });
      const [, refreshed] = await Promise.all([
        server.anonymous.post('/auth/revoke').type('form').auth(client.id, client.secret).send({ token: token.refresh_token! }),
        server.anonymous.post('/auth/token').type('form').auth(client.id, client.secret).send({ grant_type: 'refresh_token', refresh_token: token.refresh_token! }),
      ]);
      for (const access of [token.access_token, refreshed.body.access_token].filter(Boolean)) {
        await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${access}`).expect(401);
      }
    }
  });
});
