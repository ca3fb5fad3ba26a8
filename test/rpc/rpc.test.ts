import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { userToken } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const matchoPolicy = { engine: 'matcho', matcho: { 'request-method': 'get', params: { 'resource/type': 'Patient' } } };
const patientRead = { 'request-method': 'get', params: { 'resource/type': 'Patient' } };

describe('POST /rpc', () => {
  it('answers a call with {result}', async () => {
    const { body } = await server.http.post('/rpc').send({ method: 'lockbox.policy/test', params: { policy: matchoPolicy, request: patientRead } }).expect(200);
    expect(body).toEqual({ result: { decision: expect.objectContaining({ effect: 'allow', engine: 'matcho' }) } });
  });

  it('takes a YAML call and answers in YAML when asked', async () => {
    const call = ['method: lockbox.policy/test', 'params:', '  policy: {engine: allow}', '  request: {uri: /fhir/Patient}'].join('\n');
    const response = await server.http.post('/rpc').set('content-type', 'text/yaml').set('accept', 'text/yaml').send(call).expect(200);
    expect(response.headers['content-type']).toMatch(/yaml/);
    expect(response.text).toMatch(/effect: allow/);
  });

  it('answers an unknown method with 404 and error code not-found', async () => {
    const { body } = await server.http.post('/rpc').send({ method: 'lockbox.nothing/here', params: {} }).expect(404);
    expect(body).toEqual({ error: { code: 'not-found', message: 'There is no rpc method "lockbox.nothing/here"' } });
  });

  it('answers a body that is not {method, params} with 400', async () => {
    expect((await server.http.post('/rpc').send([1, 2]).expect(400)).body.error.code).toBe('invalid');
    expect((await server.http.post('/rpc').send({ params: {} }).expect(400)).body.error.message).toMatch(/method/);
    expect((await server.http.post('/rpc').set('content-type', 'application/json').send('{"method":').expect(400)).body.error.message).toMatch(/Malformed JSON/);
  });

  it('answers bad params with 422 naming each problem', async () => {
    const { body } = await server.http.post('/rpc').send({ method: 'lockbox.policy/test', params: { policy: 'allow' } }).expect(422);
    expect(body.error.code).toBe('invalid');
    expect(body.error.issues).toEqual([
      { expression: 'params.policy', message: expect.stringMatching(/AccessPolicy object/) },
      { expression: 'params.request', message: expect.stringMatching(/request/) },
    ]);
    await server.http.post('/rpc').send({ method: 'lockbox.policy/test', params: 'x' }).expect(422);
    // The method's own refusal (a policy that cannot work) is a 422 too.
    expect((await server.http.post('/rpc').send({ method: 'lockbox.policy/test', params: { policy: { engine: 'matcho', matcho: { uri: '#(' } }, request: {} } }).expect(422)).body.error.issues[0]).toMatchObject({ expression: 'AccessPolicy.matcho.uri' });
  });

  it('answers a caller without credentials with 401 and a challenge, and one that no policy allows with 403', async () => {
    const anonymous = await server.anonymous.post('/rpc').send({ method: 'lockbox.policy/test', params: { policy: matchoPolicy, request: patientRead } }).expect(401);
    expect(anonymous.body.error.code).toBe('login');
    expect(anonymous.headers['www-authenticate']).toMatch(/^Bearer/);
    const { token } = await userToken(server);
    const denied = await server.anonymous.post('/rpc').set(bearer(token.access_token)).send({ method: 'lockbox.policy/test', params: { policy: matchoPolicy, request: patientRead } }).expect(403);
    expect(denied.body).toEqual({ error: { code: 'forbidden', message: 'Access denied' } });
    // Bad credentials are refused before the call is read, in the same shape.
    expect((await server.anonymous.post('/rpc').set(bearer('not-a-token')).send({ method: 'lockbox.policy/test' }).expect(401)).body.error.code).toBe('login');
  });

  it('refuses a caller without credentials before reading a body that nothing in it could admit', async () => {
    const small = await startTestServer({ BOX_HTTP_MAX_BODY_SIZE: '1kb' });
    try {
      const large = { method: 'lockbox.policy/test', params: { policy: { engine: 'allow', description: 'x'.repeat(4000) }, request: {} } };
      // Read, it would be too large (413): the anonymous caller gets its 401 without it being read.
      await small.anonymous.post('/rpc').send(large).expect(401);
      await small.http.post('/rpc').send(large).expect(413);
      // Once a policy could admit a call by what its body carries (signed-rpc: a policy token), the body is read.
      await small.http.put('/AccessPolicy/tokens').send({ engine: 'signed-rpc', type: 'rpc' }).expect(201);
      await small.anonymous.post('/rpc').send(large).expect(413);
    } finally {
      await small.close();
    }
  });
});

describe('the policy tester, lockbox.policy/test', () => {
  it('gives the same decision through /rpc and through its older address /auth/test-policy', async () => {
    const params = { policy: matchoPolicy, request: { ...patientRead, params: { 'resource/type': 'Encounter' } } };
    const viaRpc = await server.http.post('/rpc').send({ method: 'lockbox.policy/test', params }).expect(200);
    const viaAlias = await server.http.post('/auth/test-policy').send(params).expect(200);
    expect(viaRpc.body.result).toEqual(viaAlias.body);
    expect(viaAlias.body.decision).toMatchObject({ effect: 'not-applicable', explanation: { mismatch: { path: 'params.resource/type' } } });
  });

  it('answers errors at /auth/test-policy as OperationOutcomes, as before', async () => {
    const { body } = await server.http.post('/auth/test-policy').send({ policy: { engine: 'matcho', matcho: { uri: '#(' } }, request: {} }).expect(422);
    expect(body.resourceType).toBe('OperationOutcome');
    expect((await server.anonymous.post('/auth/test-policy').send({ policy: matchoPolicy, request: {} }).expect(401)).body.resourceType).toBe('OperationOutcome');
  });

  it('lets whom a policy allows use it, but only an administrator test an sql policy', async () => {
    const { user, token } = await userToken(server);
    await server.http.put(`/AccessPolicy/tester-${user.id}`).send({ engine: 'allow-rpc', type: 'rpc', rpc: { 'lockbox.policy/test': true }, link: [{ resourceType: 'User', id: user.id }] }).expect(201);
    await server.anonymous.post('/rpc').set(bearer(token.access_token)).send({ method: 'lockbox.policy/test', params: { policy: matchoPolicy, request: patientRead } }).expect(200);
    const sql = { method: 'lockbox.policy/test', params: { policy: { engine: 'sql', sql: { query: 'select true' } }, request: {} } };
    expect((await server.anonymous.post('/rpc').set(bearer(token.access_token)).send(sql).expect(403)).body.error.message).toMatch(/administrator/);
    await server.http.post('/rpc').send(sql).expect(200);
  });
});
