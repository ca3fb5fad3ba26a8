import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createForeignTokenVerifier, type ForeignTokenVerifierOptions } from '../../src/identity/create-foreign-token-verifier';
import { ForeignTokenError } from '../../src/identity/foreign-token-error';
import { TokenCache } from '../../src/identity/token-cache';
import { startTestServer, type TestServer } from '../support/test-server';
import { putResource } from './put-resource';
import { startIdentityProvider, type IdentityProvider } from './start-identity-provider';

let server: TestServer;
let idp: IdentityProvider;
const INTROSPECTIONS = 'POST /token/introspection';

function verifier(options: Partial<ForeignTokenVerifierOptions> = {}) {
  return createForeignTokenVerifier({ db: server.services.db, createUsers: false, ...options });
}

async function refusal(promise: Promise<unknown>): Promise<{ reason: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof ForeignTokenError)) throw error;
    return { reason: error.reason, message: error.message };
  }
  throw new Error('the token was accepted');
}

beforeAll(async () => {
  server = await startTestServer();
  idp = await startIdentityProvider();
  await putResource(server, 'TokenIntrospector', 'provider-opaque', {
    type: 'opaque',
    introspection_endpoint: { url: idp.introspectionUrl, authorization: idp.introspectionAuthorization },
  });
});

afterAll(async () => {
  await idp.stop();
  await server.close();
});

describe('a TokenIntrospector of type opaque (RFC 7662)', () => {
  it('accepts an active token; the introspection response is its claims', async () => {
    const token = await idp.clientCredentials('opaque');
    const result = await verifier().verify(token);
    expect(result).toMatchObject({ kind: 'opaque', introspectorId: 'provider-opaque', claims: { active: true, client_id: 'lockbox-service', iss: idp.issuer, aud: 'lockbox' } });
  });

  it('refuses a revoked token and a token the provider never issued', async () => {
    const token = await idp.clientCredentials('opaque');
    await idp.revoke(token);
    expect(await refusal(verifier().verify(token))).toEqual({ reason: 'inactive', message: 'token is not active' });
    expect(await refusal(verifier().verify('not-a-token-anyone-issued'))).toEqual({ reason: 'inactive', message: 'token is not active' });
  });

  it('asks the provider once per token: later uses are answered from the cache', async () => {
    const v = verifier();
    const token = await idp.clientCredentials('opaque');
    const before = idp.requests(INTROSPECTIONS);
    await v.verify(token);
    await Promise.all(Array.from({ length: 10 }, () => v.verify(token)));
    await v.verify(token);
    expect(idp.requests(INTROSPECTIONS)).toBe(before + 1);
  });

  it('does not remember a refusal: a failed introspection is asked again', async () => {
    const v = verifier();
    const before = idp.requests(INTROSPECTIONS);
    await refusal(v.verify('unknown-token-1'));
    await refusal(v.verify('unknown-token-1'));
    expect(idp.requests(INTROSPECTIONS)).toBe(before + 2);
  });

  it('refuses quickly, saying why, when the introspection endpoint is down — and stays usable', async () => {
    const gone = await startIdentityProvider();
    const token = await gone.clientCredentials('opaque');
    await gone.stop();
    await putResource(server, 'TokenIntrospector', 'provider-opaque', { type: 'opaque', introspection_endpoint: { url: gone.introspectionUrl, authorization: gone.introspectionAuthorization } });
    const v = verifier();
    const started = Date.now();
    const refused = await refusal(v.verify(token));
    expect(refused.reason).toBe('provider-unavailable');
    expect(refused.message).toContain(`token introspection at ${gone.introspectionUrl} failed`);
    expect(Date.now() - started).toBeLessThan(3000);
    // The operator points the introspector back at a working provider: no restart needed.
    await putResource(server, 'TokenIntrospector', 'provider-opaque', { type: 'opaque', introspection_endpoint: { url: idp.introspectionUrl, authorization: idp.introspectionAuthorization } });
    await v.reload();
    await expect(v.verify(await idp.clientCredentials('opaque'))).resolves.toMatchObject({ claims: { active: true } });
  });

  it('gives up within the timeout on an endpoint that never answers', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/introspect`;
    try {
      await putResource(server, 'TokenIntrospector', 'provider-opaque', { type: 'opaque', introspection_endpoint: { url } });
      const started = Date.now();
      expect(await refusal(verifier({ timeoutMs: 1000 }).verify('some-opaque-token'))).toEqual({
        reason: 'provider-unavailable',
        message: `token introspection at ${url} did not answer within 1 s`,
      });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
      await putResource(server, 'TokenIntrospector', 'provider-opaque', { type: 'opaque', introspection_endpoint: { url: idp.introspectionUrl, authorization: idp.introspectionAuthorization } });
    }
  });
});

describe('the token answer cache', () => {
  it("keeps an answer until the token's exp when that comes before the cache limit", async () => {
    const cache = new TokenCache<{ exp: number }>({ maxAgeMs: 60_000, maxEntries: 10 });
    let loads = 0;
    const load = async () => ({ exp: Math.floor(Date.now() / 1000) + 1, n: ++loads });
    await cache.get('t', load, (answer) => answer.exp);
    await cache.get('t', load, (answer) => answer.exp);
    expect(loads).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await cache.get('t', load, (answer) => answer.exp);
    expect(loads).toBe(2);
  });

  it('holds at most maxEntries answers, and keys them by a hash, never the token', async () => {
    const cache = new TokenCache<number>({ maxAgeMs: 60_000, maxEntries: 3 });
    for (let i = 0; i < 5; i++) await cache.get(`token-${i}`, async () => i, () => undefined);
    expect(cache.size).toBe(3);
    expect(TokenCache.keyOf('token-1')).not.toContain('token-1');
    expect(TokenCache.keyOf('token-1')).toHaveLength(43);
  });
});
