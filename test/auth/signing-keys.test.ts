import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { rotateSigningKey } from '../../src/auth/signing-keys';
import { createServices } from '../../src/server/start-server';
import { loadConfig } from '../../src/config/load-config';
import { createApp } from '../../src/http/create-app';
import supertest from 'supertest';
import { createClient, requestToken } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const jwtClient = { grant_types: ['client_credentials', 'basic'], auth: { client_credentials: { token_format: 'jwt' } } };

describe('signing keys', () => {
  it('are generated once and kept in the database, so a second process on it verifies our tokens', async () => {
    const client = await createClient(server, jwtClient);
    const { body } = await requestToken(server, { grant_type: 'client_credentials' }, client).expect(200);
    const keys = await server.sql(`select kid from signing_key`);
    expect(keys).toHaveLength(1);
    const second = await createServices(loadConfig({ BOX_WEB_BASE_URL: 'http://localhost:8080', BOX_LOG_LEVEL: 'silent', BOX_AUTH_BCRYPT_COST: '4', BOX_ROOT_CLIENT_SECRET: 'root-secret-for-tests', BOX_ADMIN_PASSWORD: 'admin-password-for-tests' }), { db: server.services.db });
    const other = supertest(createApp(second));
    await other.get('/auth/userinfo').set('authorization', `Bearer ${body.access_token}`).expect(401); // a client token has no user…
    await other.get('/Patient/_history').set('authorization', `Bearer ${body.access_token}`).expect(403); // …but it authenticates.
    expect((await other.get('/.well-known/jwks.json').expect(200)).body).toEqual((await server.anonymous.get('/.well-known/jwks.json')).body);
  });

  it('publishes only public parts, with kid, use and alg', async () => {
    const { body } = await server.anonymous.get('/.well-known/jwks.json').expect(200);
    expect(body.keys[0]).toEqual({ kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: expect.any(String), use: 'sig', alg: 'RS256' });
    expect(JSON.stringify(body)).not.toMatch(/"d"|"p"|"q"/);
  });

  it('rotate: new tokens use the new key, old tokens keep working, both keys are in the JWKS', async () => {
    const client = await createClient(server, jwtClient);
    const before = await requestToken(server, { grant_type: 'client_credentials' }, client).expect(200);
    await rotateSigningKey(server.services.db);
    await server.services.auth.keys.reload();
    const after = await requestToken(server, { grant_type: 'client_credentials' }, client).expect(200);
    const kid = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString()).kid;
    expect(kid(after.body.access_token)).not.toBe(kid(before.body.access_token));
    const jwks = (await server.anonymous.get('/.well-known/jwks.json')).body.keys.map((key: { kid: string }) => key.kid);
    expect(jwks[0]).toBe(kid(after.body.access_token));
    expect(jwks).toContain(kid(before.body.access_token));
    await server.anonymous.get('/Patient/_history').set('authorization', `Bearer ${before.body.access_token}`).expect(403);
  });

  it('can be given by BOX_SECURITY_AUTH_KEYS_PRIVATE / _PUBLIC', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const given = await startTestServer({
      BOX_SECURITY_AUTH_KEYS_PRIVATE: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      BOX_SECURITY_AUTH_KEYS_PUBLIC: publicKey.export({ type: 'spki', format: 'pem' }).toString().replaceAll('\n', '\\n'),
    });
    try {
      const { body } = await given.anonymous.get('/.well-known/jwks.json').expect(200);
      expect(body.keys).toHaveLength(1);
      expect(body.keys[0].n).toBe(publicKey.export({ format: 'jwk' }).n);
      const client = await createClient(given, jwtClient);
      const token = await requestToken(given, { grant_type: 'client_credentials' }, client).expect(200);
      await given.anonymous.get('/Patient/_history').set('authorization', `Bearer ${token.body.access_token}`).expect(403);
    } finally {
      await given.close();
    }
  });
});
