import { createPrivateKey, sign, type JsonWebKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { requestToken, userToken } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
let baseUrl: string;
beforeAll(async () => {
  server = await startTestServer();
  baseUrl = server.services.config.baseUrl;
});
afterAll(async () => {
  await server.close();
});

type Json = Record<string, unknown>;
const jwtClient = { grant_types: ['password'], auth: { password: { token_format: 'jwt', audience: ['https://api.example.org/tenant-1'] } } };
const decode = (part: string): Json => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
const encode = (value: Json) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A token signed with the server's own current key: only the header and claims we choose differ from a real one. */
async function signWithServerKey(header: Json, claims: Json): Promise<string> {
  const [row] = await server.sql<{ private_jwk: JsonWebKey }>('select private_jwk from signing_key where retired_at is null order by created_at desc limit 1');
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), createPrivateKey({ key: row.private_jwk, format: 'jwk' })).toString('base64url')}`;
}

/** A real JWT access token of a live user session, as minted, split into its header and claims. */
async function mintedToken(params: Record<string, string> = {}) {
  const { client, user } = await userToken(server, { client: jwtClient });
  const { body } = await requestToken(server, { grant_type: 'password', username: user.userName, password: user.password, ...params }, client).expect(200);
  const [header, claims] = body.access_token.split('.');
  return { token: body.access_token as string, header: decode(header), claims: decode(claims) };
}

const userinfo = (token: string) => server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${token}`);
const now = () => Math.floor(Date.now() / 1000);

describe('a JWT signed with our own key', () => {
  it('is accepted as minted, and when signed again unchanged (the control for the cases below)', async () => {
    const { token, header, claims } = await mintedToken();
    expect(header).toEqual({ alg: 'RS256', typ: 'JWT', kid: expect.any(String) });
    expect(claims.aud).toBe(baseUrl);
    await userinfo(token).expect(200);
    await userinfo(await signWithServerKey(header, claims)).expect(200);
  });

  it.each<[string, (header: Json, claims: Json) => void]>([
    ['without exp', (_h, c) => delete c.exp],
    ['with exp as a string', (_h, c) => (c.exp = String(c.exp))],
    ['with exp in the past', (_h, c) => (c.exp = now() - 1)],
    ['with nbf in the future (beyond 30 s of clock skew)', (_h, c) => (c.nbf = now() + 60)],
    ['with nbf as a string', (_h, c) => (c.nbf = String(now() - 60))],
    ['with iat as a string', (_h, c) => (c.iat = String(c.iat))],
    ['without aud', (_h, c) => delete c.aud],
    ['with an aud that is not ours', (_h, c) => (c.aud = 'https://elsewhere.example')],
    ['with an aud list that names nobody we are', (_h, c) => (c.aud = ['https://elsewhere.example', `${baseUrl}/other`])],
    ['without iss', (_h, c) => delete c.iss],
    ['with a crit header (RFC 7515 §4.1.11: we understand no extension)', (h) => Object.assign(h, { crit: ['https://example.org/ext'], 'https://example.org/ext': true })],
    ['with crit naming a registered claim', (h) => (h.crit = ['exp'])],
    ['with a typ we never sign', (h) => (h.typ = 'at+jwt')],
    ['without typ', (h) => delete h.typ],
    ['with an alg other than RS256', (h) => (h.alg = 'RS512')],
  ])('is refused with 401 %s', async (_name, change) => {
    const { header, claims } = await mintedToken();
    change(header, claims);
    const response = await userinfo(await signWithServerKey(header, claims)).expect(401);
    expect(response.body.error).toBe('invalid_token');
    await server.anonymous.get('/fhir/Patient').set('authorization', `Bearer ${await signWithServerKey(header, claims)}`).expect(401);
  });

  it.each<[string, (claims: Json) => void]>([
    ['with nbf within 30 s of clock skew', (c) => (c.nbf = now() + 10)],
    ['with nbf in the past', (c) => (c.nbf = now() - 10)],
    ['addressed to our FHIR base', (c) => (c.aud = `${baseUrl}/fhir`)],
    ['with an aud list that names us', (c) => (c.aud = ['https://elsewhere.example', baseUrl])],
  ])('is accepted %s', async (_name, change) => {
    const { header, claims } = await mintedToken();
    change(claims);
    await userinfo(await signWithServerKey(header, claims)).expect(200);
  });

  it('is accepted for the audience its session was granted, and only for its own session', async () => {
    const granted = await mintedToken({ audience: 'https://api.example.org/tenant-1' });
    expect(granted.claims.aud).toBe('https://api.example.org/tenant-1');
    await userinfo(granted.token).expect(200);
    const other = await mintedToken();
    await userinfo(await signWithServerKey(other.header, { ...other.claims, aud: 'https://api.example.org/tenant-1' })).expect(401);
  });
});
