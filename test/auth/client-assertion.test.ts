import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import * as oidc from 'openid-client';
import supertest from 'supertest';
import { loadConfig } from '../../src/config/load-config';
import { createApp } from '../../src/http/create-app';
import { createServices } from '../../src/server/start-server';
import { createClient } from '../support/auth-factories';
import { ADMIN_PASSWORD, ROOT_SECRET, startTestServer, type TestServer } from '../support/test-server';

/** private_key_jwt client authentication at /auth/token (RFC 7523 §2.2, OIDC Core §9). */
let server: TestServer;
let published: Server;
let jwksUri: string;
const publishedKeys: JWK[] = [];
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const now = () => Math.floor(Date.now() / 1000);

interface KeyPair { alg: string; kid: string; privateKey: CryptoKey; jwk: JWK }
async function keyPair(alg: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `${alg.toLowerCase()}-${randomUUID().slice(0, 8)}`;
  return { alg, kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

function assertion(clientId: string, key: Pick<KeyPair, 'alg' | 'kid' | 'privateKey'>, claims: Record<string, unknown> = {}) {
  return new SignJWT({ iss: clientId, sub: clientId, aud: `${server.url}/auth/token`, jti: randomUUID(), exp: now() + 60, iat: now(), ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .sign(key.privateKey);
}

function withAssertion(clientAssertion: string, extra: Record<string, string> = {}) {
  return server.anonymous.post('/auth/token').type('form').send({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: clientAssertion, ...extra });
}

async function refusal(promise: PromiseLike<{ status: number; body: { error?: string; error_description?: string } }>) {
  const response = await promise;
  return { status: response.status, error: response.body.error, description: response.body.error_description };
}

beforeAll(async () => {
  server = await startTestServer({}, { listen: true });
  published = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: publishedKeys }));
  });
  await new Promise<void>((resolve) => published.listen(0, '127.0.0.1', resolve));
  jwksUri = `http://127.0.0.1:${(published.address() as AddressInfo).port}/jwks`;
});

afterAll(async () => {
  await new Promise((resolve) => published.close(resolve));
  await server.close();
});

describe('private_key_jwt with inline Client.jwks', () => {
  it('authenticates openid-client (a real client) signing with its RS256 key, and the discovery document says so', async () => {
    const key = await keyPair('RS256');
    const client = await createClient(server, { jwks: [key.jwk] });
    const config = await oidc.discovery(new URL(server.url), client.id, undefined, oidc.PrivateKeyJwt({ key: key.privateKey, kid: key.kid }), { execute: [oidc.allowInsecureRequests] });
    expect(config.serverMetadata().token_endpoint_auth_methods_supported).toContain('private_key_jwt');
    const tokens = await oidc.clientCredentialsGrant(config);
    expect(tokens.access_token).toEqual(expect.any(String));
  });

  it("accepts the reference's RS384 key, with client_id given or taken from the assertion's sub", async () => {
    const key = await keyPair('RS384');
    const client = await createClient(server, { jwks: [{ kid: key.kid, kty: 'RSA', alg: 'RS384', use: 'sig', n: key.jwk.n, e: key.jwk.e }] });
    expect((await withAssertion(await assertion(client.id, key))).status).toBe(200);
    expect((await withAssertion(await assertion(client.id, key), { client_id: client.id })).status).toBe(200);
  });

  it('accepts an assertion whose aud is our issuer rather than the token endpoint (RFC 7523 §3)', async () => {
    const key = await keyPair('RS256');
    const client = await createClient(server, { jwks: [key.jwk] });
    expect((await withAssertion(await assertion(client.id, key, { aud: server.url }))).status).toBe(200);
  });

  it('refuses a replayed assertion: the jti is single-use, remembered in the database until it expires', async () => {
    const key = await keyPair('RS256');
    const client = await createClient(server, { jwks: [key.jwk] });
    const once = await assertion(client.id, key);
    expect((await withAssertion(once)).status).toBe(200);
    expect(await refusal(withAssertion(once))).toMatchObject({ status: 401, error: 'invalid_client', description: expect.stringContaining('already used') });
    const rows = await server.sql('select client_id from client_assertion_jti where client_id = $1', [client.id]);
    expect(rows).toHaveLength(1);
    // Two requests at once with one assertion: exactly one wins.
    const twice = await assertion(client.id, key);
    const statuses = (await Promise.all([withAssertion(twice), withAssertion(twice), withAssertion(twice)])).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401, 401]);
  });

  it('refuses the replay at another server process on the same database', async () => {
    const key = await keyPair('ES256');
    const client = await createClient(server, { jwks: [key.jwk] });
    const config = loadConfig({ BOX_WEB_BASE_URL: server.url, BOX_LOG_LEVEL: 'silent', BOX_AUTH_BCRYPT_COST: '4', BOX_ROOT_CLIENT_SECRET: ROOT_SECRET, BOX_ADMIN_PASSWORD: ADMIN_PASSWORD });
    const other = await createServices(config, { db: server.services.db });
    const once = await assertion(client.id, key);
    expect((await withAssertion(once)).status).toBe(200);
    const replay = await supertest(createApp(other)).post('/auth/token').type('form').send({ grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: once });
    expect(replay.status).toBe(401);
    expect(replay.body.error_description).toContain('already used');
  });

  it('refuses a wrong aud, an expired assertion, one that lives too long, and one without exp or jti', async () => {
    const key = await keyPair('RS256');
    const client = await createClient(server, { jwks: [key.jwk] });
    const invalid = { status: 401, error: 'invalid_client' };
    expect(await refusal(withAssertion(await assertion(client.id, key, { aud: 'https://another-server.example/token' })))).toMatchObject({ ...invalid, description: expect.stringContaining('aud') });
    expect(await refusal(withAssertion(await assertion(client.id, key, { exp: now() - 120 })))).toMatchObject({ ...invalid, description: expect.stringContaining('expired') });
    expect(await refusal(withAssertion(await assertion(client.id, key, { exp: now() + 3600 })))).toMatchObject({ ...invalid, description: expect.stringContaining('within 300 s') });
    expect(await refusal(withAssertion(await assertion(client.id, key, { exp: undefined })))).toMatchObject(invalid);
    expect(await refusal(withAssertion(await assertion(client.id, key, { jti: undefined })))).toMatchObject(invalid);
  });

  it('refuses a jti that is not a string of at most 256 characters, which its index could not hold', async () => {
    const key = await keyPair('RS256');
    const client = await createClient(server, { jwks: [key.jwk] });
    const tooLong = randomBytes(6000).toString('base64url');
    const refused = { status: 401, error: 'invalid_client', description: expect.stringContaining('jti must be a string of at most 256 characters') };
    expect(await refusal(withAssertion(await assertion(client.id, key, { jti: tooLong })))).toMatchObject(refused);
    expect(await refusal(withAssertion(await assertion(client.id, key, { jti: 42 })))).toMatchObject(refused);
    expect((await withAssertion(await assertion(client.id, key, { jti: 'j'.repeat(256) }))).status).toBe(200);
  });

  it('refuses an assertion whose iss or sub is another client, or whose client_id disagrees', async () => {
    const key = await keyPair('RS256');
    const client = await createClient(server, { jwks: [key.jwk] });
    const other = await createClient(server, { jwks: [key.jwk] });
    expect(await refusal(withAssertion(await assertion(client.id, key, { iss: other.id })))).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(await refusal(withAssertion(await assertion(client.id, key), { client_id: other.id }))).toMatchObject({ status: 401, error: 'invalid_client' });
  });

  it('refuses a key the client did not register, an unknown client, and a client with no keys', async () => {
    const key = await keyPair('RS256');
    const client = await createClient(server, { jwks: [key.jwk] });
    const stranger = await keyPair('RS256');
    expect(await refusal(withAssertion(await assertion(client.id, { ...stranger, kid: key.kid })))).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(await refusal(withAssertion(await assertion(client.id, stranger)))).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(await refusal(withAssertion(await assertion('no-such-client', key)))).toMatchObject({ status: 401, error: 'invalid_client' });
    const keyless = await createClient(server);
    expect(await refusal(withAssertion(await assertion(keyless.id, key)))).toMatchObject({ status: 401, error: 'invalid_client' });
  });

  it("refuses alg none, and HMAC even when keyed with the client's secret or public key", async () => {
    const key = await keyPair('RS256');
    const client = await createClient(server, { jwks: [key.jwk] });
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsecured = `${b64({ alg: 'none' })}.${b64({ iss: client.id, sub: client.id, aud: `${server.url}/auth/token`, jti: randomUUID(), exp: now() + 60 })}.`;
    expect(await refusal(withAssertion(unsecured))).toMatchObject({ status: 401, error: 'invalid_client' });
    const withSecret = await assertion(client.id, { alg: 'HS256', kid: key.kid, privateKey: new TextEncoder().encode(client.secret) as unknown as CryptoKey });
    expect(await refusal(withAssertion(withSecret))).toMatchObject({ status: 401, error: 'invalid_client', description: expect.stringContaining('HS256') });
    const withModulus = await assertion(client.id, { alg: 'HS256', kid: key.kid, privateKey: new TextEncoder().encode(JSON.stringify(key.jwk)) as unknown as CryptoKey });
    expect(await refusal(withAssertion(withModulus))).toMatchObject({ status: 401, error: 'invalid_client' });
  });

  it("refuses an algorithm the registered key does not allow (the key's alg decides)", async () => {
    const key = await keyPair('RS256');
    const client = await createClient(server, { jwks: [{ ...key.jwk, alg: 'RS384' }] });
    expect(await refusal(withAssertion(await assertion(client.id, key)))).toMatchObject({ status: 401, error: 'invalid_client' });
  });

  it('takes one client authentication method only, and only the jwt-bearer assertion type', async () => {
    const key = await keyPair('RS256');
    const client = await createClient(server, { jwks: [key.jwk] });
    const signed = await assertion(client.id, key);
    expect(await refusal(withAssertion(signed).auth(client.id, client.secret))).toMatchObject({ status: 400, error: 'invalid_request' });
    expect(await refusal(withAssertion(signed, { client_secret: client.secret }))).toMatchObject({ status: 400, error: 'invalid_request' });
    expect(await refusal(withAssertion(signed, { client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' }))).toMatchObject({ status: 400, error: 'invalid_request' });
    expect(await refusal(withAssertion('not-a-jwt'))).toMatchObject({ status: 401, error: 'invalid_client' });
  });
});

describe('private_key_jwt with Client.jwks_uri', () => {
  it('verifies ES256, ES384 and PS256 assertions with keys the client publishes', async () => {
    const keys = await Promise.all(['ES256', 'ES384', 'PS256', 'RS512'].map(keyPair));
    publishedKeys.push(...keys.map((key) => key.jwk));
    const client = await createClient(server, { jwks_uri: jwksUri });
    for (const key of keys) expect((await withAssertion(await assertion(client.id, key))).status).toBe(200);
  });

  it('fetches the published keys anew when the Client is saved: a withdrawn key stops working at once', async () => {
    const key = await keyPair('ES256');
    publishedKeys.push(key.jwk);
    const uri = `${jwksUri}?set=withdrawn`;
    const client = await createClient(server, { jwks_uri: uri });
    expect((await withAssertion(await assertion(client.id, key))).status).toBe(200);
    publishedKeys.splice(publishedKeys.indexOf(key.jwk), 1);
    // Unchanged, the Client keeps the set it fetched (up to 10 minutes): the key still works.
    expect((await withAssertion(await assertion(client.id, key))).status).toBe(200);
    await createClient(server, { id: client.id, jwks_uri: uri });
    expect(await refusal(withAssertion(await assertion(client.id, key)))).toMatchObject({ status: 401, error: 'invalid_client' });
  });

  it('refuses, quickly, when the jwks_uri cannot be reached', async () => {
    const key = await keyPair('ES256');
    const client = await createClient(server, { jwks_uri: 'http://127.0.0.1:9/jwks' });
    const started = Date.now();
    expect(await refusal(withAssertion(await assertion(client.id, key)))).toMatchObject({ status: 401, error: 'invalid_client' });
    expect(Date.now() - started).toBeLessThan(3500);
  });
});
