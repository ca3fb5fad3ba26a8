import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { createForeignTokenVerifier } from '../../src/identity/create-foreign-token-verifier';
import { ForeignTokenError } from '../../src/identity/foreign-token-error';
import { startTestServer, type TestServer } from '../support/test-server';
import { eventually } from './eventually';
import { putResource } from './put-resource';
import { startIdentityProvider, type IdentityProvider } from './start-identity-provider';

let server: TestServer;
let idp: IdentityProvider;
const USERINFO = 'GET /me';

/** A fresh verifier is a fresh server process: no cached answers. */
const verifier = (createUsers = true) => createForeignTokenVerifier({ db: server.services.db, createUsers });

async function usersWith(system: string, value: string): Promise<Array<{ id: string; resource: Record<string, unknown> }>> {
  return server.sql(`select id, resource from "user" where resource->'identifier' @> $1::jsonb`, [JSON.stringify([{ system, value }])]);
}
async function versionsOf(id: string): Promise<number> {
  const [row] = await server.sql<{ n: string }>('select count(*) as n from user_history where id = $1', [id]);
  return Number(row.n);
}
function providerJwt(claims: Record<string, unknown>) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: idp.issuer, iat: now, exp: now + 300, ...claims }).setProtectedHeader({ alg: 'RS256', kid: idp.kid }).sign(idp.privateKey);
}

beforeAll(async () => {
  server = await startTestServer();
  idp = await startIdentityProvider();
  // People sign in at the provider; their data comes from its userinfo endpoint (the tutorial's setup).
  await putResource(server, 'IdentityProvider', 'provider', {
    system: 'provider',
    title: 'Provider',
    active: true,
    scopes: ['openid', 'profile'],
    userinfo_endpoint: idp.userinfoUrl,
    'userinfo-source': 'userinfo-endpoint',
  });
  await putResource(server, 'TokenIntrospector', 'provider-opaque', {
    type: 'opaque',
    introspection_endpoint: { url: idp.introspectionUrl, authorization: idp.introspectionAuthorization },
    identity_provider: { reference: 'IdentityProvider/provider' },
  });
  // Service accounts: JWTs whose own claims are the user data.
  await putResource(server, 'IdentityProvider', 'services', { system: 'service-accounts', 'userinfo-source': 'id-token', active: true });
  await putResource(server, 'TokenIntrospector', 'provider-jwt', {
    type: 'jwt',
    jwt: { iss: idp.issuer },
    jwks_uri: idp.jwksUri,
    identity_provider: { reference: 'IdentityProvider/services' },
  });
  Object.assign(idp.serviceClaims, { preferred_username: 'service-account-lockbox-service', email_verified: false });
});

afterAll(async () => {
  await idp.stop();
  await server.close();
});

describe('the local User of a foreign token', () => {
  it('is the User whose identifier is {system: IdentityProvider.system, value: sub}', async () => {
    await putResource(server, 'User', 'known', { identifier: [{ system: 'service-accounts', value: 'known-service' }] });
    const result = await verifier(false).verify(await providerJwt({ sub: 'known-service' }));
    expect(result.user?.id).toBe('known');
  });

  it('is the User the box_user claim names; a box_user that is no User is refused', async () => {
    const result = await verifier(false).verify(await providerJwt({ sub: 'whoever', box_user: 'known' }));
    expect(result.user?.id).toBe('known');
    await expect(verifier(false).verify(await providerJwt({ sub: 'whoever', box_user: 'nobody' }))).rejects.toThrow(ForeignTokenError);
  });

  it('is found as soon as it is created, even by a process that remembered the token as having none', async () => {
    const watching = verifier(false);
    await server.services.db.changes.subscribe(watching);
    const token = await providerJwt({ sub: 'late-service' });
    expect((await watching.verify(token)).user).toBeUndefined();
    expect((await watching.verify(token)).user).toBeUndefined();
    // Created through the API of the server, not through this verifier: only the change bus tells it.
    await putResource(server, 'User', 'late', { identifier: [{ system: 'service-accounts', value: 'late-service' }] });
    expect(await eventually(async () => (await watching.verify(token)).user?.id)).toBe('late');
  });

  it('is refused, and none is created, for a sub longer than the 255 characters OpenID Connect allows', async () => {
    const sub = randomBytes(4000).toString('base64url');
    await expect(verifier().verify(await providerJwt({ sub }))).rejects.toThrow("the token's sub is longer than 255 characters");
    expect(await usersWith('service-accounts', sub)).toHaveLength(0);
    expect((await verifier().verify(await providerJwt({ sub: 's'.repeat(255) }))).user).toBeDefined();
  });

  it('is none, and none is created, when just-in-time creation is off', async () => {
    const result = await verifier(false).verify(await idp.clientCredentials('jwt'));
    expect(result.user).toBeUndefined();
    expect(result.claims.sub).toBe('lockbox-service');
    expect(await usersWith('service-accounts', 'lockbox-service')).toHaveLength(0);
  });
});

describe('just-in-time users (BOX_SECURITY_INTROSPECTION_CREATE_USER=true)', () => {
  it("creates the User on a signed-in person's first request, with data from the userinfo endpoint", async () => {
    const token = await idp.signIn('alice');
    const calls = idp.requests(USERINFO);
    const result = await verifier().verify(token);
    expect(idp.requests(USERINFO)).toBe(calls + 1);
    const [stored] = await usersWith('provider', 'alice');
    expect(result.user?.id).toBe(stored.id);
    expect(stored.resource).toEqual({
      identifier: [{ system: 'provider', value: 'alice' }],
      data: { sub: 'alice', preferred_username: 'alice', email: 'alice@example.com', email_verified: true },
    });
    // Written without the HTTP layer, it is still a valid User: GET it and PUT it back unchanged.
    const read = await server.http.get(`/fhir/User/${stored.id}`).expect(200);
    expect(read.body).toMatchObject({ resourceType: 'User', identifier: [{ system: 'provider', value: 'alice' }] });
    await putResource(server, 'User', stored.id, stored.resource);
  });

  it('finds that User on later requests, without a new version while the claims are unchanged', async () => {
    const [before] = await usersWith('provider', 'alice');
    const versions = await versionsOf(before.id);
    const result = await verifier().verify(await idp.signIn('alice'));
    expect(result.user?.id).toBe(before.id);
    expect(await usersWith('provider', 'alice')).toHaveLength(1);
    expect(await versionsOf(before.id)).toBe(versions);
  });

  it("refreshes the User's data, as a new version, when the provider's claims change", async () => {
    const [before] = await usersWith('provider', 'alice');
    const versions = await versionsOf(before.id);
    idp.accounts.set('alice', { ...idp.accounts.get('alice'), name: 'Alice Liddell', email: 'alice@wonderland.example' });
    const result = await verifier().verify(await idp.signIn('alice'));
    expect(result.user?.id).toBe(before.id);
    const [after] = await usersWith('provider', 'alice');
    expect(after.resource.data).toEqual({ sub: 'alice', preferred_username: 'alice', name: 'Alice Liddell', email: 'alice@wonderland.example', email_verified: true });
    expect(await versionsOf(before.id)).toBe(versions + 1);
  });

  it("takes the data from the token's claims when userinfo-source is id-token, as in the tutorial's User", async () => {
    const token = await idp.clientCredentials('jwt');
    const result = await verifier().verify(token);
    expect(result.user?.resource).toEqual({
      identifier: [{ system: 'service-accounts', value: 'lockbox-service' }],
      // The standard claims about the subject; the token's own mechanics (exp, jti, scope, client_id, …) are not user data.
      data: { sub: 'lockbox-service', preferred_username: 'service-account-lockbox-service', email_verified: false },
    });
  });

  it('creates exactly one User when ten first requests arrive at once, on ten server processes', async () => {
    const token = await idp.clientCredentials('jwt');
    const sub = 'lockbox-service';
    await server.sql(`delete from "user" where resource->'identifier' @> $1::jsonb`, [JSON.stringify([{ system: 'service-accounts', value: sub }])]);
    await server.sql('delete from user_identity where system = $1 and value = $2', ['service-accounts', sub]);
    const results = await Promise.all(Array.from({ length: 10 }, () => verifier().verify(token)));
    const users = await usersWith('service-accounts', sub);
    expect(users).toHaveLength(1);
    expect(new Set(results.map((result) => result.user?.id))).toEqual(new Set([users[0].id]));
    const identities = await server.sql('select user_id from user_identity where system = $1 and value = $2', ['service-accounts', sub]);
    expect(identities).toEqual([{ user_id: users[0].id }]);
  });

  it('creates exactly one User for ten simultaneous first requests of a signed-in person, calling userinfo once', async () => {
    const token = await idp.signIn('bob');
    const calls = idp.requests(USERINFO);
    const v = verifier();
    const results = await Promise.all(Array.from({ length: 10 }, () => v.verify(token)));
    expect(await usersWith('provider', 'bob')).toHaveLength(1);
    expect(new Set(results.map((result) => result.user?.id)).size).toBe(1);
    expect(idp.requests(USERINFO)).toBe(calls + 1);
  });

  it('gives the identity of a deleted User to a new one', async () => {
    const token = await idp.signIn('carol');
    const first = await verifier().verify(token);
    await server.http.delete(`/fhir/User/${first.user!.id}`).expect((res) => expect(res.status).toBeLessThan(300));
    const second = await verifier().verify(token);
    expect(second.user?.id).toBeDefined();
    expect(second.user?.id).not.toBe(first.user!.id);
    expect(await usersWith('provider', 'carol')).toHaveLength(1);
  });

  it('notices, while running, that its cached User was deleted by someone else', async () => {
    const v = verifier();
    await server.services.db.changes.subscribe(v);
    const token = await idp.signIn('erin');
    const first = await v.verify(token);
    expect((await v.verify(token)).user?.id).toBe(first.user!.id);
    await server.http.delete(`/fhir/User/${first.user!.id}`).expect((res) => expect(res.status).toBeLessThan(300));
    const replaced = await eventually(async () => {
      const again = await v.verify(token);
      return again.user?.id !== first.user!.id ? again : undefined;
    });
    expect(await usersWith('provider', 'erin')).toEqual([expect.objectContaining({ id: replaced.user!.id })]);
  });

  it('refuses the request, creating nothing, when the userinfo endpoint is down', async () => {
    const token = await idp.signIn('dave');
    await putResource(server, 'IdentityProvider', 'provider', { system: 'provider', userinfo_endpoint: 'http://127.0.0.1:9/userinfo', 'userinfo-source': 'userinfo-endpoint' });
    try {
      const v = verifier();
      const started = Date.now();
      await expect(v.verify(token)).rejects.toMatchObject({ reason: 'provider-unavailable', status: 401 });
      expect(Date.now() - started).toBeLessThan(3000);
      expect(await usersWith('provider', 'dave')).toHaveLength(0);
    } finally {
      await putResource(server, 'IdentityProvider', 'provider', { system: 'provider', userinfo_endpoint: idp.userinfoUrl, 'userinfo-source': 'userinfo-endpoint' });
    }
  });
});
