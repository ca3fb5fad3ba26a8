import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPairSync } from 'node:crypto';
import { loadSignInProviders } from '../../src/identity/load-sign-in-providers';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * What sign-in cannot use is refused with a 4xx, never a 500: a malformed address (an HTML error
 * page, as every sign-in failure is), and an IdentityProvider that lacks what the authorization
 * code flow needs — refused with 422 when written, and a 404 page when such a row exists anyway.
 */
let server: TestServer;

const ISSUER = 'https://idp.example';
const pkcs8 = (type: 'rsa' | 'ed25519') =>
  (type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519')).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

/** Everything sign-in needs (start-sign-in.ts, exchange-code.ts, verify-id-token.ts, finish-sign-in.ts). */
const complete = {
  resourceType: 'IdentityProvider',
  system: 'corp',
  base_url: ISSUER,
  authorize_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  jwks_uri: `${ISSUER}/jwks`,
  client: { id: 'lockbox', secret: 'client-secret' },
};

function without(body: Record<string, unknown>, path: string): Record<string, unknown> {
  const [head, ...rest] = path.split('.');
  const { [head]: value, ...others } = body;
  return rest.length ? { ...others, [head]: without(value as Record<string, unknown>, rest.join('.')) } : others;
}

async function expectPage(path: string, status: number, message: string | RegExp) {
  const response = await server.anonymous.get(path);
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^text\/html/);
  expect(response.text).toMatch(message);
  // A page for a person: never framed by another site, no script, not cached.
  expect(response.headers['x-frame-options']).toBe('DENY');
  expect(response.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
  expect(response.headers['cache-control']).toBe('no-store');
}

beforeAll(async () => {
  server = await startTestServer();
  await server.http.put('/fhir/IdentityProvider/corp').send(complete).expect(201);
});
afterAll(async () => {
  await server.close();
});

describe('a malformed sign-in address', () => {
  it.each(['/auth/redirect/%zz', '/auth/callback/%E0%A4%A', '/auth/callback/corp%'])('is a 400 error page: %s', async (path) => {
    await expectPage(path, 400, /the address is not valid percent-encoding/i);
  });

  it('is a 400 error page when the callback repeats a parameter (RFC 6749 §3.1)', async () => {
    await expectPage('/auth/callback/corp?state=a&state=b&code=c', 400, 'the callback gives state more than once');
  });
});

describe('an IdentityProvider that signs people in (it has an authorize_endpoint)', () => {
  it.each(['token_endpoint', 'jwks_uri', 'base_url', 'client.id', 'system'])('is refused with 422 without %s', async (field) => {
    const response = await server.http.put('/fhir/IdentityProvider/broken').send(without(complete, field));
    expect(response.status).toBe(422);
    expect(response.body.issue).toEqual([{ severity: 'error', code: 'invalid', expression: [`IdentityProvider.${field}`], diagnostics: `This IdentityProvider cannot sign people in: ${field} is required` }]);
  });

  it('is refused with 422 for endpoints that are not http(s) URLs, and names each problem', async () => {
    const response = await server.http.put('/fhir/IdentityProvider/broken').send({ ...complete, authorize_endpoint: 'not a url', base_url: 'ftp://idp.example', client: {} });
    expect(response.status).toBe(422);
    expect(response.body.issue.map((issue: { expression: string[] }) => issue.expression[0])).toEqual(['IdentityProvider.authorize_endpoint', 'IdentityProvider.base_url', 'IdentityProvider.client.id']);
  });

  it('is refused with 422 when auth-method asymmetric has no key it can sign with, and kept when an update leaves the stored key out', async () => {
    const asymmetric = (key?: string) => ({ ...complete, client: { id: 'lockbox', 'auth-method': 'asymmetric', ...(key ? { 'private-key': key } : {}) } });
    for (const [key, message] of [[undefined, 'is required with auth-method asymmetric'], ['-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----', 'is not a readable private key'], [pkcs8('ed25519'), 'must be an RSA or P-256 key']] as const) {
      const response = await server.http.put('/fhir/IdentityProvider/signed').send(asymmetric(key));
      expect(response.status).toBe(422);
      expect(response.body.issue[0].diagnostics).toBe(`This IdentityProvider cannot sign people in: client.private-key ${message}`);
    }
    await server.http.put('/fhir/IdentityProvider/signed').send(asymmetric(pkcs8('rsa'))).expect(201);
    // The key is never presented, so a read-modify-write omits it; the stored one still counts.
    await server.http.put('/fhir/IdentityProvider/signed').send({ ...asymmetric(), title: 'Signed' }).expect(200);
  });

  it('is refused in a transaction bundle, which then writes nothing', async () => {
    const response = await server.http.post('/fhir').send({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { ...complete, id: 'in-bundle' }, request: { method: 'PUT', url: 'IdentityProvider/in-bundle' } },
        { resource: { ...without(complete, 'client.id'), id: 'in-bundle-broken' }, request: { method: 'PUT', url: 'IdentityProvider/in-bundle-broken' } },
      ],
    });
    expect(response.status).toBe(422);
    expect(response.body.issue[0].expression).toEqual(['Bundle.entry[1]', 'IdentityProvider.client.id']);
    await server.http.get('/fhir/IdentityProvider/in-bundle').expect(404);
  });
});

describe('an IdentityProvider that does not sign people in', () => {
  it("is stored as the tutorial writes it, without authorize_endpoint, and /auth/redirect answers a 404 page for it", async () => {
    await server.http.put('/fhir/IdentityProvider/api-only').send({ resourceType: 'IdentityProvider', system: 'keycloak', userinfo_endpoint: `${ISSUER}/userinfo`, 'userinfo-source': 'userinfo-endpoint', active: true }).expect(201);
    await expectPage('/auth/redirect/api-only', 404, 'IdentityProvider api-only does not sign people in');
    await expectPage('/auth/callback/api-only?state=s&code=c', 404, 'IdentityProvider api-only does not sign people in');
  });
});

describe('an IdentityProvider row that sign-in cannot use, written by SQL', () => {
  it('gets a 404 page, not a 500, and no button on the login page', async () => {
    const broken = { ...without(complete, 'client.id'), base_url: undefined, authorize_endpoint: 'not a url', scopes: 7 };
    await server.sql(`insert into identityprovider (id, txid, status, resource) values ('by-sql', nextval('txid_seq'), 'created', $1)`, [JSON.stringify(broken)]);
    await expectPage('/auth/redirect/by-sql', 404, /IdentityProvider by-sql cannot sign people in: authorize_endpoint must be an http\(s\) URL; base_url is required; client.id is required; scopes must be a list of strings/);
    await expectPage('/auth/callback/by-sql?state=s&code=c', 404, 'IdentityProvider by-sql cannot sign people in');
    expect((await loadSignInProviders(server.services.db)).map((button) => button.id).sort()).toEqual(['corp', 'signed']);
    // The one that works still starts a sign-in.
    const started = await server.anonymous.get('/auth/redirect/corp').expect(302);
    expect(started.headers.location).toMatch(/^https:\/\/idp\.example\/authorize\?/);
  });
});
