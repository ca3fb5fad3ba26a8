import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const provider = {
  resourceType: 'IdentityProvider',
  system: 'corp',
  title: 'Corp SSO',
  client: { id: 'lockbox', secret: 'idp-client-secret-value', 'private-key': '-----BEGIN PRIVATE KEY-----x' },
};
const introspector = {
  resourceType: 'TokenIntrospector',
  type: 'jwt',
  jwt: { iss: 'https://corp.example', secret: 'hs256-shared-secret-value', keys: [{ kty: 'OCT', alg: 'HS256', format: 'plain', k: 'key-material-value' }] },
  introspection_endpoint: { url: 'https://corp.example/introspect', authorization: 'Basic c2VjcmV0LXZhbHVl' },
};
const SECRETS = ['idp-client-secret-value', 'PRIVATE KEY', 'hs256-shared-secret-value', 'key-material-value', 'c2VjcmV0LXZhbHVl'];

function expectNoSecret(body: unknown) {
  const text = JSON.stringify(body);
  for (const secret of SECRETS) expect(text).not.toContain(secret);
}

describe('secrets kept in clear for outgoing calls are never presented', () => {
  it('hides IdentityProvider client secrets and TokenIntrospector keys from read, vread, history, search and the write response', async () => {
    const idp = await server.http.put('/fhir/IdentityProvider/corp').send(provider).expect(201);
    const ti = await server.http.put('/fhir/TokenIntrospector/corp-jwt').send(introspector).expect(201);
    expectNoSecret(idp.body);
    expectNoSecret(ti.body);
    expect(idp.body.client).toEqual({ id: 'lockbox' });
    expect(ti.body.jwt.keys).toEqual([{ kty: 'OCT', alg: 'HS256', format: 'plain' }]);
    for (const path of ['/fhir/IdentityProvider/corp', '/IdentityProvider/corp', '/fhir/IdentityProvider/corp/_history', '/fhir/IdentityProvider', '/TokenIntrospector/corp-jwt', '/fhir/TokenIntrospector/corp-jwt/_history/' + ti.body.meta.versionId, '/fhir/TokenIntrospector?type=jwt']) {
      expectNoSecret((await server.http.get(path).expect(200)).body);
    }
    const [row] = await server.sql<{ secret: string }>(`select resource#>>'{client,secret}' as secret from identityprovider where id = 'corp'`);
    expect(row.secret).toBe('idp-client-secret-value');
  });

  it('keeps the stored secrets when an update or a patch leaves them out', async () => {
    const { body } = await server.http.get('/fhir/TokenIntrospector/corp-jwt').expect(200);
    await server.http.put('/fhir/TokenIntrospector/corp-jwt').send({ ...body, jwt: { ...body.jwt, iss: 'https://corp.example/v2' } }).expect(200);
    await server.http.patch('/fhir/IdentityProvider/corp').set('content-type', 'application/merge-patch+json').send(JSON.stringify({ title: 'Corp' })).expect(200);
    const [stored] = await server.sql<{ secret: string; k: string; auth: string; idp: string }>(
      `select t.resource#>>'{jwt,secret}' as secret, t.resource#>>'{jwt,keys,0,k}' as k, t.resource#>>'{introspection_endpoint,authorization}' as auth,
              i.resource#>>'{client,secret}' as idp
       from tokenintrospector t, identityprovider i where t.id = 'corp-jwt' and i.id = 'corp'`,
    );
    expect(stored).toEqual({ secret: 'hs256-shared-secret-value', k: 'key-material-value', auth: 'Basic c2VjcmV0LXZhbHVl', idp: 'idp-client-secret-value' });
  });

  it('replaces a secret that an update does send', async () => {
    await server.http.put('/IdentityProvider/corp').send({ ...provider, client: { id: 'lockbox', secret: 'rotated-secret' } }).expect(200);
    const [row] = await server.sql<{ secret: string }>(`select resource#>>'{client,secret}' as secret from identityprovider where id = 'corp'`);
    expect(row.secret).toBe('rotated-secret');
  });
});
