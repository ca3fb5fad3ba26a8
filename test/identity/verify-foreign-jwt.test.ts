import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createForeignTokenVerifier, type ForeignTokenVerifierOptions } from '../../src/identity/create-foreign-token-verifier';
import { ForeignTokenError } from '../../src/identity/foreign-token-error';
import { startTestServer, type TestServer } from '../support/test-server';
import { eventually } from './eventually';
import { putResource } from './put-resource';
import { startIdentityProvider, type IdentityProvider } from './start-identity-provider';

let server: TestServer;
let idp: IdentityProvider;
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function verifier(options: Partial<ForeignTokenVerifierOptions> = {}) {
  return createForeignTokenVerifier({ db: server.services.db, createUsers: false, ...options });
}

/** What verify() refused with: the reason and the message the caller will see. */
async function refusal(promise: Promise<unknown>): Promise<{ reason: string; message: string; status: number }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof ForeignTokenError)) throw error;
    return { reason: error.reason, message: error.message, status: error.status };
  }
  throw new Error('the token was accepted');
}

function sign(claims: Record<string, unknown>, key: CryptoKey | Uint8Array, header: { alg: string; kid?: string }) {
  return new SignJWT({ iat: now(), exp: now() + 300, ...claims }).setProtectedHeader(header).sign(key);
}

beforeAll(async () => {
  server = await startTestServer();
  idp = await startIdentityProvider();
  // The tutorial's TokenIntrospector, pointed at our provider.
  await putResource(server, 'TokenIntrospector', 'provider-jwt', { type: 'jwt', jwt: { iss: idp.issuer }, jwks_uri: idp.jwksUri });
});

afterAll(async () => {
  await idp.stop();
  await server.close();
});

describe('a TokenIntrospector with jwks_uri', () => {
  it("accepts the provider's client_credentials JWT and returns its verified claims", async () => {
    const token = await idp.clientCredentials('jwt');
    const result = await verifier().verify(token);
    expect(result).toMatchObject({ kind: 'jwt', introspectorId: 'provider-jwt', claims: { iss: idp.issuer, sub: 'lockbox-service', aud: 'lockbox' } });
    expect(result.user).toBeUndefined();
  });

  it('refuses an expired token, and accepts one expired by less than the 30 s leeway', async () => {
    const expired = await sign({ iss: idp.issuer, sub: 'x', exp: now() - 120 }, idp.privateKey, { alg: 'RS256', kid: idp.kid });
    expect(await refusal(verifier().verify(expired))).toEqual({ reason: 'expired', message: 'token expired', status: 401 });
    const justExpired = await sign({ iss: idp.issuer, sub: 'x', exp: now() - 10 }, idp.privateKey, { alg: 'RS256', kid: idp.kid });
    await expect(verifier().verify(justExpired)).resolves.toMatchObject({ claims: { sub: 'x' } });
  });

  it('refuses a token that is not yet valid (nbf)', async () => {
    const early = await sign({ iss: idp.issuer, sub: 'x', nbf: now() + 600 }, idp.privateKey, { alg: 'RS256', kid: idp.kid });
    expect((await refusal(verifier().verify(early))).reason).toBe('not-yet-valid');
  });

  it('refuses a token from an issuer no TokenIntrospector trusts', async () => {
    const other = await sign({ iss: 'https://elsewhere.example', sub: 'x' }, idp.privateKey, { alg: 'RS256', kid: idp.kid });
    expect(await refusal(verifier().verify(other))).toMatchObject({ reason: 'untrusted-issuer', message: 'no TokenIntrospector trusts issuer https://elsewhere.example' });
  });

  it('refuses an unsecured token (alg: none)', async () => {
    const unsecured = `${b64({ alg: 'none', kid: idp.kid })}.${b64({ iss: idp.issuer, sub: 'x', exp: now() + 300 })}.`;
    expect((await refusal(verifier().verify(unsecured))).reason).toBe('algorithm-not-allowed');
  });

  it("refuses an HS256 token whose HMAC secret is the provider's public key (key confusion)", async () => {
    const confused = await sign({ iss: idp.issuer, sub: 'x' }, new TextEncoder().encode(idp.publicKeyPem), { alg: 'HS256', kid: idp.kid });
    expect(await refusal(verifier().verify(confused))).toMatchObject({ reason: 'algorithm-not-allowed', message: `token algorithm HS256 is not allowed for issuer ${idp.issuer}` });
  });

  it("refuses a token signed by another key under the provider's kid", async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const forged = await sign({ iss: idp.issuer, sub: 'x' }, privateKey, { alg: 'RS256', kid: idp.kid });
    expect(await refusal(verifier().verify(forged))).toMatchObject({ reason: 'invalid-signature', message: 'token signature is invalid' });
  });

  it('refetches the key set for an unknown kid at most once per cooldown', async () => {
    const fetches = () => idp.requests('GET /jwks');
    const v = verifier({ jwksCooldownMs: 1000 });
    const { privateKey } = await generateKeyPair('RS256');
    const unknownKid = await sign({ iss: idp.issuer, sub: 'x' }, privateKey, { alg: 'RS256', kid: 'rotated-away' });
    const valid = await idp.clientCredentials('jwt');
    await v.verify(valid);
    const before = fetches();
    expect((await refusal(v.verify(unknownKid))).reason).toBe('invalid-signature');
    expect(fetches()).toBe(before); // fetched just now: no refetch inside the cooldown
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await refusal(v.verify(unknownKid));
    await refusal(v.verify(unknownKid));
    await refusal(v.verify(unknownKid));
    expect(fetches()).toBe(before + 1);
  });

  it('verifies with cached keys without asking the provider again', async () => {
    const v = verifier();
    const token = await idp.clientCredentials('jwt');
    await v.verify(token);
    const before = idp.requests('GET /jwks');
    for (let i = 0; i < 20; i++) await v.verify(token);
    expect(idp.requests('GET /jwks')).toBe(before);
  });
});

describe('a provider that is down or silent', () => {
  it('refuses within the timeout, with a message naming the cause, when the key set cannot be fetched', async () => {
    const gone = await startIdentityProvider();
    await putResource(server, 'TokenIntrospector', 'gone-jwt', { type: 'jwt', jwt: { iss: gone.issuer }, jwks_uri: gone.jwksUri });
    const token = await gone.clientCredentials('jwt');
    await gone.stop();
    const started = Date.now();
    expect(await refusal(verifier().verify(token))).toMatchObject({ reason: 'provider-unavailable', message: `identity provider keys could not be fetched from ${gone.jwksUri}` });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('gives up on a provider that accepts the connection but never answers', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      await putResource(server, 'TokenIntrospector', 'silent-jwt', { type: 'jwt', jwt: { iss: url }, jwks_uri: `${url}/jwks` });
      const token = await sign({ iss: url, sub: 'x' }, idp.privateKey, { alg: 'RS256', kid: idp.kid });
      const started = Date.now();
      expect(await refusal(verifier({ timeoutMs: 1000 }).verify(token))).toMatchObject({ reason: 'provider-unavailable', message: 'identity provider keys could not be fetched within 1 s' });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('keeps verifying with keys it already has when the provider goes away', async () => {
    const leaving = await startIdentityProvider();
    await putResource(server, 'TokenIntrospector', 'leaving-jwt', { type: 'jwt', jwt: { iss: leaving.issuer }, jwks_uri: leaving.jwksUri });
    const v = verifier();
    await v.verify(await leaving.clientCredentials('jwt'));
    await leaving.stop();
    const later = await sign({ iss: leaving.issuer, sub: 'later' }, leaving.privateKey, { alg: 'RS256', kid: leaving.kid });
    await expect(v.verify(later)).resolves.toMatchObject({ introspectorId: 'leaving-jwt', claims: { sub: 'later' } });
  });

  it('keeps the keys it has past their age while the provider is unreachable, without waiting on every request', async () => {
    const leaving = await startIdentityProvider();
    await putResource(server, 'TokenIntrospector', 'outage-jwt', { type: 'jwt', jwt: { iss: leaving.issuer }, jwks_uri: leaving.jwksUri });
    const v = verifier({ jwksMaxAgeMs: 100, timeoutMs: 1000 });
    await v.verify(await leaving.clientCredentials('jwt'));
    const tokens = await Promise.all(Array.from({ length: 11 }, (_, i) => sign({ iss: leaving.issuer, sub: `s${i}` }, leaving.privateKey, { alg: 'RS256', kid: leaving.kid })));
    await leaving.stop();
    await new Promise((resolve) => setTimeout(resolve, 150));
    await expect(v.verify(tokens[0])).resolves.toMatchObject({ introspectorId: 'outage-jwt' });
    const started = Date.now();
    for (const token of tokens.slice(1)) await v.verify(token);
    expect(Date.now() - started).toBeLessThan(500);
    // Keys it never had are still refused.
    const { privateKey } = await generateKeyPair('RS256');
    expect((await refusal(v.verify(await sign({ iss: leaving.issuer, sub: 'x' }, privateKey, { alg: 'RS256', kid: 'new-kid' })))).reason).toBe('invalid-signature');
  });
});

describe('a TokenIntrospector with jwt.keys or jwt.secret', () => {
  it('verifies RS256, RS384 and ES256 with PEM keys, each only with its own algorithm', async () => {
    const rs384 = await generateKeyPair('RS384');
    const es256 = await generateKeyPair('ES256');
    const iss = 'https://pem.example';
    await putResource(server, 'TokenIntrospector', 'pem', {
      type: 'jwt',
      jwt: {
        iss,
        keys: [
          { kty: 'RSA', alg: 'RS256', format: 'PEM', pub: idp.publicKeyPem },
          { kty: 'RSA', alg: 'RS384', format: 'PEM', pub: await exportSPKI(rs384.publicKey) },
          { kty: 'EC', alg: 'ES256', format: 'PEM', pub: await exportSPKI(es256.publicKey) },
        ],
      },
    });
    const v = verifier();
    await expect(v.verify(await sign({ iss, sub: 'a' }, idp.privateKey, { alg: 'RS256' }))).resolves.toMatchObject({ introspectorId: 'pem', claims: { sub: 'a' } });
    await expect(v.verify(await sign({ iss, sub: 'b' }, rs384.privateKey, { alg: 'RS384' }))).resolves.toMatchObject({ claims: { sub: 'b' } });
    await expect(v.verify(await sign({ iss, sub: 'c' }, es256.privateKey, { alg: 'ES256' }))).resolves.toMatchObject({ claims: { sub: 'c' } });
    const stranger = await generateKeyPair('RS256');
    expect((await refusal(v.verify(await sign({ iss, sub: 'd' }, stranger.privateKey, { alg: 'RS256' }))))).toMatchObject({ reason: 'invalid-signature' });
    const es384 = await generateKeyPair('ES384');
    expect((await refusal(v.verify(await sign({ iss, sub: 'd' }, es384.privateKey, { alg: 'ES384' }))))).toMatchObject({ reason: 'algorithm-not-allowed' });
    expect((await refusal(v.verify(await sign({ iss, sub: 'e' }, new TextEncoder().encode(idp.publicKeyPem), { alg: 'HS256' }))))).toMatchObject({ reason: 'algorithm-not-allowed' });
    expect((await refusal(v.verify(`${b64({ alg: 'none' })}.${b64({ iss, sub: 'f' })}.`)))).toMatchObject({ reason: 'algorithm-not-allowed' });
  });

  it('verifies HS256 with a plain key, and refuses other secrets and asymmetric algorithms', async () => {
    const iss = 'https://plain.example';
    const secret = 'a-shared-secret-of-at-least-32-bytes!';
    await putResource(server, 'TokenIntrospector', 'plain', { type: 'jwt', jwt: { iss, keys: [{ kty: 'OCT', alg: 'HS256', format: 'plain', k: secret }] } });
    const v = verifier();
    await expect(v.verify(await sign({ iss, sub: 'p' }, new TextEncoder().encode(secret), { alg: 'HS256' }))).resolves.toMatchObject({ introspectorId: 'plain' });
    expect((await refusal(v.verify(await sign({ iss, sub: 'p' }, new TextEncoder().encode('another-secret-of-32-bytes-or-more!'), { alg: 'HS256' }))))).toMatchObject({ reason: 'invalid-signature' });
    expect((await refusal(v.verify(await sign({ iss, sub: 'p' }, idp.privateKey, { alg: 'RS256' }))))).toMatchObject({ reason: 'algorithm-not-allowed' });
  });

  it('verifies HS256 with jwt.secret', async () => {
    const iss = 'https://secret.example';
    const secret = 'the-introspector-secret-32-bytes-long';
    await putResource(server, 'TokenIntrospector', 'secret', { type: 'jwt', jwt: { iss, secret } });
    await expect(verifier().verify(await sign({ iss, sub: 's' }, new TextEncoder().encode(secret), { alg: 'HS256' }))).resolves.toMatchObject({ introspectorId: 'secret' });
  });

  it('refuses the tokens of an introspector with more than one key source, saying so', async () => {
    const iss = 'https://two-sources.example';
    await putResource(server, 'TokenIntrospector', 'two-sources', { type: 'jwt', jwks_uri: idp.jwksUri, jwt: { iss, secret: 'x'.repeat(32) } });
    expect(await refusal(verifier().verify(await sign({ iss, sub: 's' }, new TextEncoder().encode('x'.repeat(32)), { alg: 'HS256' })))).toEqual({
      reason: 'misconfigured',
      message: 'TokenIntrospector two-sources has jwks_uri and jwt.secret; exactly one key source is allowed',
      status: 401,
    });
  });

  it('picks up a new or changed introspector by itself once subscribed to changes', async () => {
    const iss = 'https://announced.example';
    const v = verifier();
    await server.services.db.changes.subscribe(v);
    const first = await sign({ iss, sub: 'n' }, new TextEncoder().encode('first-secret-first-secret-32-bytes!!'), { alg: 'HS256' });
    expect((await refusal(v.verify(first))).reason).toBe('untrusted-issuer');
    await putResource(server, 'TokenIntrospector', 'announced', { type: 'jwt', jwt: { iss, secret: 'first-secret-first-secret-32-bytes!!' } });
    await eventually(() => v.verify(first).then(() => true, () => undefined));
    await putResource(server, 'TokenIntrospector', 'announced', { type: 'jwt', jwt: { iss, secret: 'second-secret-second-secret-32bytes!' } });
    await eventually(() => v.verify(first).then(() => undefined, () => true));
    expect((await refusal(v.verify(first))).reason).toBe('invalid-signature');
  });

  it('stops accepting an already verified token once its introspector is deleted', async () => {
    const iss = 'https://removed.example';
    const secret = 'removed-introspector-secret-32-bytes!';
    await putResource(server, 'TokenIntrospector', 'removed', { type: 'jwt', jwt: { iss, secret } });
    const v = verifier();
    await server.services.db.changes.subscribe(v);
    const token = await sign({ iss, sub: 'r' }, new TextEncoder().encode(secret), { alg: 'HS256' });
    await v.verify(token);
    await server.http.delete('/fhir/TokenIntrospector/removed').expect((res) => expect(res.status).toBeLessThan(300));
    await eventually(() => v.verify(token).then(() => undefined, () => true));
    expect((await refusal(v.verify(token))).reason).toBe('untrusted-issuer');
  });

  it('sees a new introspector only after reload() when not subscribed to changes', async () => {
    const iss = 'https://late.example';
    const secret = 'late-introspector-secret-32-bytes-long';
    const v = verifier();
    const token = await sign({ iss, sub: 'l' }, new TextEncoder().encode(secret), { alg: 'HS256' });
    expect((await refusal(v.verify(token))).reason).toBe('untrusted-issuer');
    await putResource(server, 'TokenIntrospector', 'late', { type: 'jwt', jwt: { iss, secret } });
    await v.reload();
    await expect(v.verify(token)).resolves.toMatchObject({ introspectorId: 'late' });
  });
});
