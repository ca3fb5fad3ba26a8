import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, requestToken, userToken } from '../support/auth-factories';
import { ADMIN_PASSWORD, ROOT_SECRET, startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('the resource API before AccessPolicy', () => {
  it('answers 401 login with WWW-Authenticate when no credentials are presented', async () => {
    const response = await server.anonymous.get('/Patient/nobody').expect(401);
    expect(response.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
    expect(response.headers['www-authenticate']).toBe('Bearer realm="lockbox"');
    await server.anonymous.get('/fhir/Patient/nobody').expect(401);
  });

  it('lets root in by Basic and by its own client_credentials token (opaque and JWT)', async () => {
    await server.anonymous.post('/Patient').auth('root', ROOT_SECRET).send({ resourceType: 'Patient' }).expect(201);
    const opaque = await requestToken(server, { grant_type: 'client_credentials' }, { id: 'root', secret: ROOT_SECRET }).expect(200);
    await server.anonymous.get('/Patient/_history').set(bearer(opaque.body.access_token)).expect(200);
    await server.http.put('/Client/root').send({ grant_types: ['basic', 'client_credentials'], auth: { client_credentials: { token_format: 'jwt' } } }).expect(200);
    const jwt = await requestToken(server, { grant_type: 'client_credentials' }, { id: 'root', secret: ROOT_SECRET }).expect(200);
    expect(jwt.body.access_token.split('.')).toHaveLength(3);
    await server.anonymous.get('/Patient/_history').set(bearer(jwt.body.access_token)).expect(200);
  });

  it('lets admin in by password grant token and by login cookie', async () => {
    const client = await createClient(server, { grant_types: ['password'] });
    const token = await requestToken(server, { grant_type: 'password', username: 'admin', password: ADMIN_PASSWORD }, client).expect(200);
    await server.anonymous.get('/User/admin').set(bearer(token.body.access_token)).expect(200);
    const login = await server.anonymous.post('/auth/login').send({ username: 'admin', password: ADMIN_PASSWORD }).expect(200);
    const cookie = [login.headers['set-cookie']].flat()[0]!.split(';')[0];
    await server.anonymous.get('/User/admin').set('cookie', cookie).expect(200);
  });

  it('answers 403 forbidden to any other known caller', async () => {
    const { token } = await userToken(server);
    const response = await server.anonymous.get('/Patient/_history').set(bearer(token.access_token)).expect(403);
    expect(response.body.issue[0].code).toBe('forbidden');
    const client = await createClient(server, { grant_types: ['basic'] });
    await server.anonymous.get('/Patient/_history').auth(client.id, client.secret).expect(403);
  });
});

describe('credentials', () => {
  it.each([
    ['an unknown opaque token', { authorization: 'Bearer abcdefghijklmnopqrstuvwxyz' }],
    ['a forged JWT', { authorization: `Bearer ${Buffer.from('{"alg":"RS256","kid":"x"}').toString('base64url')}.${Buffer.from('{"sid":"s"}').toString('base64url')}.c2ln` }],
    ['an alg=none JWT', { authorization: `Bearer ${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sid":"s"}').toString('base64url')}.` }],
    ['a wrong Basic secret', { authorization: `Basic ${Buffer.from('root:wrong').toString('base64')}` }],
    ['an unknown scheme', { authorization: 'Digest abc' }],
    ['an unknown cookie', { cookie: 'asid=nothing-like-it' }],
  ])('refuses %s with 401 login', async (_name, headers) => {
    const response = await server.anonymous.get('/Patient/_history').set(headers).expect(401);
    expect(response.body.issue[0].code).toBe('login');
    expect(response.headers['www-authenticate']).toBeTruthy();
  });

  it('refuses Basic for a client without the basic grant type, and for an inactive client', async () => {
    const noBasic = await createClient(server, { grant_types: ['client_credentials'] });
    await server.anonymous.get('/Patient/_history').auth(noBasic.id, noBasic.secret).expect(401);
    const inactive = await createClient(server, { grant_types: ['basic'], active: false });
    await server.anonymous.get('/Patient/_history').auth(inactive.id, inactive.secret).expect(401);
  });

  it("refuses a JWT whose session was revoked, though its signature is still valid", async () => {
    const { client, token } = await userToken(server, { client: { auth: { password: { token_format: 'jwt' } } } });
    await server.anonymous.get('/auth/userinfo').set(bearer(token.access_token)).expect(200);
    await server.anonymous.post('/auth/revoke').type('form').auth(client.id, client.secret).send({ token: token.access_token }).expect(200);
    const response = await server.anonymous.get('/Patient/_history').set(bearer(token.access_token)).expect(401);
    expect(response.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it("refuses an inactive user's tokens", async () => {
    const { user, token } = await userToken(server);
    await server.http.patch(`/User/${user.id}`).set('content-type', 'application/merge-patch+json').send({ inactive: true }).expect(200);
    const response = await server.anonymous.get('/Patient/_history').set(bearer(token.access_token)).expect(401);
    expect(response.body.issue[0].diagnostics).toBe('User is inactive');
  });
});
