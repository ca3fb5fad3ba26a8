import { generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, userToken } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const TEST = 'lockbox.policy/test';
const MINT = 'lockbox.policy/create-policy-token';
/** Params of the policy tester: distinct calls of one method differ only in the uri they ask about. */
const testParams = (uri: string) => ({ policy: { engine: 'allow' }, request: { uri } });

async function putPolicy(id: string, body: Record<string, unknown>): Promise<void> {
  const response = await server.http.put(`/AccessPolicy/${id}`).send(body);
  if (response.status >= 300) throw new Error(`AccessPolicy/${id}: ${response.status} ${JSON.stringify(response.body)}`);
}

function callAs(token: string | undefined, method: string, params: Record<string, unknown>, policy?: string) {
  const request = server.anonymous.post('/rpc');
  if (token) request.set(bearer(token));
  return request.send({ method, params, ...(policy !== undefined ? { policy } : {}) });
}

describe('allow-rpc', () => {
  it('allows the methods it lists with true, whatever their params, and no other', async () => {
    const { user, token } = await userToken(server);
    await putPolicy(`allow-rpc-${user.id}`, { engine: 'allow-rpc', type: 'rpc', rpc: { [TEST]: true, [MINT]: false }, link: [{ resourceType: 'User', id: user.id }] });
    await callAs(token.access_token, TEST, testParams('/a')).expect(200);
    await callAs(token.access_token, TEST, testParams('/b')).expect(200);
    await callAs(token.access_token, MINT, { methods: { [TEST]: { params: testParams('/a') } } }).expect(403);
  });

  it('is refused when written without a list of methods', async () => {
    const response = await server.http.put('/AccessPolicy/allow-rpc-empty').send({ engine: 'allow-rpc', type: 'rpc', rpc: {} }).expect(422);
    expect(response.body.issue[0].expression).toEqual(['AccessPolicy.rpc']);
  });
});

describe('matcho-rpc', () => {
  it('allows a call whose params match the pattern of its method', async () => {
    const { user, token } = await userToken(server);
    await putPolicy(`matcho-rpc-params-${user.id}`, {
      engine: 'matcho-rpc',
      type: 'rpc',
      rpc: { [TEST]: { params: { request: { uri: '#^/fhir/Patient' } } } },
      link: [{ resourceType: 'User', id: user.id }],
    });
    await callAs(token.access_token, TEST, testParams('/fhir/Patient/pt-1')).expect(200);
    await callAs(token.access_token, TEST, testParams('/fhir/Encounter/e-1')).expect(403);
  });

  it('allows a call by who makes it, with the user as the pattern sees it', async () => {
    const tester = await userToken(server, { user: { data: { team: 'policy-testers' } } });
    const other = await userToken(server, { user: { data: { team: 'billing' } } });
    await putPolicy('matcho-rpc-team', { engine: 'matcho-rpc', type: 'rpc', rpc: { [TEST]: { user: { data: { team: 'policy-testers' } } } } });
    await callAs(tester.token.access_token, TEST, testParams('/x')).expect(200);
    await callAs(other.token.access_token, TEST, testParams('/x')).expect(403);
    // The pattern can compare the params with the caller (.user.id): each may ask only about itself.
    await putPolicy('matcho-rpc-self', { engine: 'matcho-rpc', type: 'rpc', rpc: { [TEST]: { params: { request: { user: { id: '.user.id' } } } } } });
    const self = { policy: { engine: 'allow' }, request: { user: { id: other.user.id } } };
    await callAs(other.token.access_token, TEST, self).expect(200);
    await callAs(other.token.access_token, TEST, { ...self, request: { user: { id: tester.user.id } } }).expect(403);
  });

  it('never lets a REST request through', async () => {
    const { user, token } = await userToken(server);
    await putPolicy(`matcho-rpc-rest-${user.id}`, { engine: 'matcho-rpc', type: 'rpc', rpc: { [TEST]: {} }, link: [{ resourceType: 'User', id: user.id }] });
    await server.anonymous.post('/fhir/Patient').set(bearer(token.access_token)).send({ resourceType: 'Patient', method: TEST, params: {} }).expect(403);
  });
});

describe('signed-rpc and policy tokens', () => {
  let token: string;
  const granted = testParams('/fhir/Patient/pt-1');

  beforeAll(async () => {
    await putPolicy('rpc-policy-tokens', { engine: 'signed-rpc', type: 'rpc' });
    const { body } = await server.http.post('/rpc').send({ method: MINT, params: { methods: { [TEST]: { params: granted } }, expires_in: 600 } }).expect(200);
    expect(body.result.expires_in).toBe(600);
    token = body.result.token;
  });

  it('lets anyone holding a token make the call it names, with exactly its params', async () => {
    const { body } = await callAs(undefined, TEST, { request: granted.request, policy: granted.policy }, token).expect(200);
    expect(body.result.decision.effect).toBe('allow');
  });

  it('does not allow another method with it, even with the same params', async () => {
    await callAs(undefined, MINT, granted, token).expect(401);
    const { token: userBearer } = await userToken(server);
    await callAs(userBearer.access_token, MINT, granted, token).expect(403);
  });

  it('does not allow other params with it, nor a few more', async () => {
    await callAs(undefined, TEST, testParams('/fhir/Patient/pt-2'), token).expect(401);
    await callAs(undefined, TEST, { ...granted, extra: true }, token).expect(401);
  });

  it('refuses a forged token, saying so', async () => {
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.methods = { [MINT]: { params: {} } };
    const altered = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const response = await callAs(undefined, MINT, {}, altered).expect(401);
    expect(response.body.error).toEqual({ code: 'login', message: 'The policy token is not valid' });
    // Signed with a key of somebody else's under our key id.
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    const foreign = `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
    await callAs(undefined, MINT, {}, foreign).expect(401);
    const { token: userBearer } = await userToken(server);
    expect((await callAs(userBearer.access_token, TEST, granted, foreign).expect(403)).body.error.message).toBe('The policy token is not valid');
  });

  it('never confuses a policy token with an access token', async () => {
    // A policy token is no bearer token …
    await server.anonymous.get('/fhir/Patient').set(bearer(token)).expect(401);
    // … and a JWT access token is no policy token.
    const client = await createClient(server, { grant_types: ['client_credentials'], auth: { client_credentials: { token_format: 'jwt' } } });
    const issued = await server.anonymous.post('/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret }).expect(200);
    expect(issued.body.access_token.split('.')).toHaveLength(3);
    expect((await callAs(undefined, TEST, granted, issued.body.access_token).expect(401)).body.error.message).toBe('The policy token is not valid');
  });

  it('refuses an expired token', async () => {
    const { body } = await server.http.post('/rpc').send({ method: MINT, params: { methods: { [TEST]: { params: granted } }, expires_in: 1 } }).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    expect((await callAs(undefined, TEST, granted, body.result.token).expect(401)).body.error.message).toBe('The policy token has expired');
  });

  it('grants nothing where no signed-rpc policy applies', async () => {
    await server.http.delete('/AccessPolicy/rpc-policy-tokens').expect(200);
    try {
      await callAs(undefined, TEST, granted, token).expect(401);
    } finally {
      await putPolicy('rpc-policy-tokens', { engine: 'signed-rpc', type: 'rpc' });
    }
  });

  it('is minted only for calls its minter may make itself, and only for methods that exist', async () => {
    const { user, token: userBearer } = await userToken(server);
    await putPolicy(`minter-${user.id}`, { engine: 'allow-rpc', type: 'rpc', rpc: { [MINT]: true }, link: [{ resourceType: 'User', id: user.id }] });
    await putPolicy(`minter-tests-${user.id}`, { engine: 'matcho-rpc', type: 'rpc', rpc: { [TEST]: { params: { request: { uri: '/mine' } } } }, link: [{ resourceType: 'User', id: user.id }] });
    await callAs(userBearer.access_token, MINT, { methods: { [TEST]: { params: testParams('/mine') } } }).expect(200);
    const refused = await callAs(userBearer.access_token, MINT, { methods: { [TEST]: { params: testParams('/not-mine') } } }).expect(403);
    expect(refused.body.error.message).toMatch(/only calls its minter may make/);
    const unknown = await server.http.post('/rpc').send({ method: MINT, params: { methods: { 'lockbox.nothing/here': { params: {} } } } }).expect(422);
    expect(unknown.body.error.issues[0]).toEqual({ expression: 'params.methods.lockbox.nothing/here', message: 'there is no rpc method lockbox.nothing/here' });
    await server.http.post('/rpc').send({ method: MINT, params: { methods: { [TEST]: {} }, expires_in: 10 ** 9 } }).expect(422);
  });
});
