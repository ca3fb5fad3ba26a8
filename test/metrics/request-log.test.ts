import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, userToken } from '../support/auth-factories';
import { ADMIN_PASSWORD, ROOT_SECRET, startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const requestLines = () => server.logs.map((line) => JSON.parse(line)).filter((line) => line.message === 'request');

describe('one JSON log line per request', () => {
  it('names the request id, method, route pattern, status, duration and the caller', async () => {
    const { body } = await server.http.post('/fhir/Patient').set('x-request-id', 'log-create-1').send({ resourceType: 'Patient' }).expect(201);
    await server.http.get(`/fhir/Patient/${body.id}`).set('x-request-id', 'log-read-1').expect(200);
    const lines = requestLines();
    expect(lines.filter((line) => line.requestId === 'log-read-1')).toEqual([
      { time: expect.any(String), level: 'info', message: 'request', requestId: 'log-read-1', method: 'GET', route: '/fhir/:type/:id', status: 200, durationMs: expect.any(Number), clientId: 'root' },
    ]);
    expect(lines.find((line) => line.requestId === 'log-create-1')).toMatchObject({ method: 'POST', route: '/fhir/:type', status: 201 });
    expect(server.logs.join('\n')).not.toContain(body.id);
  });

  it('writes one line for an error too, and for a path no route matches', async () => {
    await server.anonymous.get('/fhir/Patient/nobody').set('x-request-id', 'log-anon-1').expect(401);
    await server.http.get('/no/such/path').set('x-request-id', 'log-404-1').expect(404);
    const lines = requestLines();
    expect(lines.filter((line) => line.requestId === 'log-anon-1')).toEqual([expect.objectContaining({ route: '/fhir/:type/:id', status: 401 })]);
    expect(lines.find((line) => line.requestId === 'log-anon-1')).not.toHaveProperty('clientId');
    expect(lines.filter((line) => line.requestId === 'log-404-1')).toEqual([expect.objectContaining({ route: 'unmatched', status: 404 })]);
  });

  it('names the user of a bearer token', async () => {
    const { user, client, token } = await userToken(server);
    await server.anonymous.get('/fhir/Patient').set('authorization', `Bearer ${token.access_token}`).set('x-request-id', 'log-user-1').expect(403);
    expect(requestLines().find((line) => line.requestId === 'log-user-1')).toMatchObject({ route: '/fhir/:type', status: 403, userId: user.id, clientId: client.id });
  });
});

describe('no log line holds a credential or a query value', () => {
  it('after a password login, password and client-credentials grants, Basic and bearer requests, and searches', async () => {
    const { user, client, token } = await userToken(server, { user: { password: 'pw-never-logged-7d1c' } });
    const login = await server.anonymous.post('/auth/login').send({ username: user.userName, password: user.password }).expect(200);
    const cookie = (login.headers['set-cookie'] as unknown as string[]).find((value) => value.startsWith('asid='))!.split(';')[0];
    await server.anonymous.post('/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD }).expect(200);
    await server.anonymous.post('/auth/login').send({ username: user.userName, password: 'wrong-password-3b9e' }).expect(400);
    const machine = await createClient(server, { secret: 'machine-secret-never-logged-51aa' });
    const issued = await server.anonymous.post('/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: machine.id, client_secret: machine.secret }).expect(200);
    await server.anonymous.get('/fhir/Patient?name=Personal-Name-Q1&birthdate=1970-01-01').set('authorization', `Bearer ${issued.body.access_token}`).expect(403);
    await server.anonymous.get('/fhir/Patient?family=Personal-Family-Q2').set('authorization', `Bearer ${token.access_token}`).expect(403);
    await server.http.get('/fhir/Patient?given=Personal-Given-Q3').expect(200);
    await server.anonymous.get('/auth/userinfo').set('cookie', cookie).expect((res) => expect([200, 401]).toContain(res.status));
    await server.anonymous.post('/auth/token').type('form').send({ grant_type: 'refresh_token', refresh_token: token.refresh_token ?? 'refresh-never-logged', client_id: client.id, client_secret: client.secret });

    const logs = server.logs.join('\n');
    const secrets = [
      token.access_token, token.refresh_token, token.id_token, issued.body.access_token, cookie.slice('asid='.length),
      user.password, ADMIN_PASSWORD, 'wrong-password-3b9e', ROOT_SECRET, machine.secret, client.secret,
      Buffer.from(`root:${ROOT_SECRET}`).toString('base64'),
      'Personal-Name-Q1', '1970-01-01', 'Personal-Family-Q2', 'Personal-Given-Q3',
    ].filter((value): value is string => typeof value === 'string' && value.length > 0);
    for (const secret of secrets) expect(logs).not.toContain(secret);
    expect(requestLines().length).toBeGreaterThan(10);
  });
});
