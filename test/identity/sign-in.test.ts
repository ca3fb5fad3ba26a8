import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { authenticateRequest } from '../../src/auth/authenticate-request';
import { loadSignInProviders } from '../../src/identity/load-sign-in-providers';
import { startTestServer, type TestServer } from '../support/test-server';
import { Browser } from './browser';
import { putResource } from './put-resource';
import { startIdentityProvider, type IdentityProvider } from './start-identity-provider';

let server: TestServer;
let idp: IdentityProvider;
let other: IdentityProvider;
let http: Server;
let ours: string;

const PROVIDERS = ['sso', 'sso-pkjwt', 'sso-email', 'sso-wrong-issuer', 'sso-wrong-keys', 'sso-prompt-none'];

async function sessionCount(): Promise<number> {
  const [row] = await server.sql<{ n: string }>('select count(*) as n from session');
  return Number(row.n);
}

/** Who the `asid` cookie authenticates, according to the real authentication stage. */
async function userOfCookie(asid: string | undefined): Promise<string | undefined> {
  if (!asid) return undefined;
  return (await authenticateRequest(server.services, { cookie: `asid=${asid}` })).user?.id;
}

const backAtOurs = (next: URL) => next.origin === ours && !next.pathname.startsWith('/auth/');
const atCallback = (next: URL) => next.origin === ours && next.pathname.startsWith('/auth/callback/');

async function signIn(provider: string, login: string) {
  const browser = new Browser(login);
  const result = await browser.open(`${ours}/auth/redirect/${provider}?return_to=${encodeURIComponent('/fhir/Patient?_count=1')}`, backAtOurs);
  return { browser, ...result, asid: browser.cookie(ours, 'asid') };
}

function providerResource(overrides: Record<string, unknown> = {}) {
  return {
    active: true,
    title: 'The provider',
    type: 'OIDC',
    system: 'sso',
    base_url: idp.issuer,
    authorize_endpoint: `${idp.issuer}/auth`,
    token_endpoint: `${idp.issuer}/token`,
    jwks_uri: idp.jwksUri,
    userinfo_endpoint: idp.userinfoUrl,
    'userinfo-source': 'userinfo-endpoint',
    scopes: ['openid', 'profile', 'email'],
    client: { id: 'lockbox-sso', secret: 'sso-secret', 'auth-method': 'symmetric' },
    ...overrides,
  };
}

beforeAll(async () => {
  // Our real server, listening: its sign-in pages are what a browser opens.
  server = await startTestServer({}, { listen: true });
  ours = server.url;
  // Our public key for private_key_jwt, published at a jwks_uri the provider fetches.
  const clientKey = await generateKeyPair('RS256', { extractable: true });
  const { kty, n, e } = await exportJWK(clientKey.publicKey);
  const jwks = JSON.stringify({ keys: [{ kty, n, e, kid: 'lockbox-key', alg: 'RS256', use: 'sig' }] });
  http = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const clientJwks = `http://127.0.0.1:${(http.address() as AddressInfo).port}/client-jwks`;
  const callbacks = PROVIDERS.map((id) => `${ours}/auth/callback/${id}`);
  const web = { grant_types: ['authorization_code'], response_types: ['code'], redirect_uris: callbacks };
  idp = await startIdentityProvider({
    clients: [
      { ...web, client_id: 'lockbox-sso', client_secret: 'sso-secret' },
      { ...web, client_id: 'lockbox-sso-pkjwt', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: clientJwks },
    ],
  });
  other = await startIdentityProvider();

  await putResource(server, 'IdentityProvider', 'sso', providerResource());
  await putResource(server, 'IdentityProvider', 'sso-pkjwt', providerResource({
    system: 'sso-pkjwt',
    kid: 'lockbox-key',
    client: { id: 'lockbox-sso-pkjwt', 'auth-method': 'asymmetric', 'private-key': await exportPKCS8(clientKey.privateKey) },
  }));
  await putResource(server, 'IdentityProvider', 'sso-email', providerResource({ system: 'sso-email', isEmailUniqueness: true }));
  await putResource(server, 'IdentityProvider', 'sso-wrong-issuer', providerResource({ base_url: 'https://not-the-provider.example' }));
  await putResource(server, 'IdentityProvider', 'sso-wrong-keys', providerResource({ jwks_uri: other.jwksUri }));
  await putResource(server, 'IdentityProvider', 'sso-prompt-none', providerResource({ authorize_endpoint: `${idp.issuer}/auth?prompt=none` }));
});

afterAll(async () => {
  await idp.stop();
  await other.stop();
  await new Promise((resolve) => http.close(resolve));
  await server.close();
});

describe('signing in through an IdentityProvider', () => {
  it('offers one button per active provider, by title', async () => {
    await putResource(server, 'IdentityProvider', 'retired', providerResource({ active: false, title: 'Retired' }));
    await putResource(server, 'IdentityProvider', 'api-only', { system: 'api-only', userinfo_endpoint: idp.userinfoUrl });
    const buttons = await loadSignInProviders(server.services.db);
    expect(buttons.map((button) => button.id).sort()).toEqual([...PROVIDERS].sort());
    expect(buttons[0]).toEqual({ id: expect.any(String), title: 'The provider', href: `/auth/redirect/${buttons[0].id}` });
  });

  it('redirects to the provider with state, nonce and PKCE S256', async () => {
    const response = await new Browser('x').request(`${ours}/auth/redirect/sso`);
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(`${idp.issuer}/auth`);
    expect(Object.fromEntries(location.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'lockbox-sso',
      redirect_uri: `${ours}/auth/callback/sso`,
      scope: 'openid profile email',
      code_challenge_method: 'S256',
      state: expect.stringMatching(/^[\w-]{43}$/),
      nonce: expect.stringMatching(/^[\w-]{43}$/),
      code_challenge: expect.stringMatching(/^[\w-]{43}$/),
    });
    expect(response.headers.get('set-cookie')).toMatch(/^lockbox_sign_in=[\w-]{43}; Path=\/auth\/callback\/; Max-Age=600; HttpOnly; SameSite=Lax$/);
  });

  it('signs a person in: a User with identifier and userinfo data, a Session cookie, and back to where it started', async () => {
    const { response, url, asid } = await signIn('sso', 'heidi');
    expect(response.status).toBe(303);
    expect(url).toBe(`${ours}/fhir/Patient?_count=1`);
    const [user] = await server.sql<{ id: string; resource: Record<string, unknown> }>(`select id, resource from "user" where resource->'identifier' @> '[{"system":"sso","value":"heidi"}]'`);
    expect(user.resource).toEqual({
      identifier: [{ system: 'sso', value: 'heidi' }],
      data: { sub: 'heidi', preferred_username: 'heidi', email: 'heidi@example.com', email_verified: true },
    });
    expect(await userOfCookie(asid)).toBe(user.id);
  });

  it('returns only to a path on this server, never to another site', async () => {
    // Browsers drop tabs and newlines from a URL: `/\t/evil.example` would be `//evil.example`.
    for (const target of ['https://evil.example/', '//evil.example/x', '/\\evil.example', '/\t/evil.example', '/\n/evil.example', '/ /evil.example']) {
      const browser = new Browser('quinn');
      const { url } = await browser.open(`${ours}/auth/redirect/sso?return_to=${encodeURIComponent(target)}`, backAtOurs);
      expect(url).toBe(`${ours}/`);
    }
  });

  it('finds the same User on the next sign-in', async () => {
    const first = await signIn('sso', 'ivan');
    const second = await signIn('sso', 'ivan');
    expect(await userOfCookie(second.asid)).toBe(await userOfCookie(first.asid));
    expect(await server.sql(`select id from "user" where resource->'identifier' @> '[{"system":"sso","value":"ivan"}]'`)).toHaveLength(1);
  });

  it('authenticates to the provider with a signed client assertion (private_key_jwt) for auth-method asymmetric', async () => {
    const { response, asid } = await signIn('sso-pkjwt', 'judy');
    expect(response.status).toBe(303);
    const [user] = await server.sql<{ id: string }>(`select id from "user" where resource->'identifier' @> '[{"system":"sso-pkjwt","value":"judy"}]'`);
    expect(await userOfCookie(asid)).toBe(user.id);
  });

  it('links an existing User by verified email only when isEmailUniqueness is set', async () => {
    await putResource(server, 'User', 'frank-local', { email: 'frank@example.com' });
    await putResource(server, 'User', 'grace-local', { email: 'grace@example.com' });
    const frank = await signIn('sso-email', 'frank');
    expect(await userOfCookie(frank.asid)).toBe('frank-local');
    const [linked] = await server.sql<{ resource: { identifier: unknown[] } }>(`select resource from "user" where id = 'frank-local'`);
    expect(linked.resource.identifier).toEqual([{ system: 'sso-email', value: 'frank' }]);
    const grace = await signIn('sso', 'grace');
    const graceUser = await userOfCookie(grace.asid);
    expect(graceUser).toBeDefined();
    expect(graceUser).not.toBe('grace-local');
  });
});

describe('an application signing a person in through the provider', () => {
  it("continues the application's authorization request: the provider's sign-in, then the code at the app", async () => {
    const app = 'https://app.example/callback';
    await server.http.put('/Client/sso-app').send({
      grant_types: ['authorization_code'], first_party: true,
      auth: { authorization_code: { redirect_uri: app, secret_required: false, default_identity_provider: { id: 'sso', resourceType: 'IdentityProvider' } } },
    }).expect((r) => expect(r.status).toBeLessThan(300));
    const verifier = 'v'.repeat(43);
    const challenge = (await import('node:crypto')).createHash('sha256').update(verifier).digest('base64url');
    const authorize = `${ours}/auth/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'sso-app', redirect_uri: app, state: 'app-state', code_challenge: challenge, code_challenge_method: 'S256' })}`;
    const browser = new Browser('olga');
    const { url } = await browser.open(authorize, (next) => next.origin === 'https://app.example');
    const answer = new URL(url).searchParams;
    expect(answer.get('state')).toBe('app-state');
    const token = await server.anonymous.post('/auth/token').type('form')
      .send({ grant_type: 'authorization_code', code: answer.get('code')!, redirect_uri: app, code_verifier: verifier, client_id: 'sso-app' }).expect(200);
    const [user] = await server.sql<{ id: string }>("select id from \"user\" where resource @> '{\"identifier\":[{\"value\":\"olga\"}]}'");
    const me = await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${token.body.access_token}`).expect(200);
    expect(me.body.sub).toBe(user.id);
  });
});

describe('a sign-in that must fail, with an error page and no Session', () => {
  async function expectRefusal(run: () => Promise<{ response: Response; body: string; asid?: string }>, status: number, message: string | RegExp) {
    const before = await sessionCount();
    const { response, body, asid } = await run();
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(body).toMatch(message);
    expect(asid).toBeUndefined();
    expect(await sessionCount()).toBe(before);
  }

  it('an unknown IdentityProvider', async () => {
    await expectRefusal(() => new Browser('x').open(`${ours}/auth/redirect/nope`), 404, 'there is no active IdentityProvider nope');
  });

  it('a callback opened in a browser that did not start the sign-in (login CSRF)', async () => {
    const attacker = await new Browser('mallory').open(`${ours}/auth/redirect/sso`, atCallback);
    await expectRefusal(() => new Browser('victim').open(attacker.url, backAtOurs), 400, 'the sign-in was not started in this browser');
  });

  it('a callback used twice', async () => {
    const browser = new Browser('kim');
    const { url } = await browser.open(`${ours}/auth/redirect/sso`, atCallback);
    const callback = await browser.request(url);
    expect(callback.status).toBe(303);
    await expectRefusal(async () => ({ ...(await browser.open(url)), asid: undefined }), 400, 'the sign-in state is unknown or was already used');
  });

  it('a callback with a state that was never issued', async () => {
    const browser = new Browser('x');
    const { url } = await browser.open(`${ours}/auth/redirect/sso`, atCallback);
    const forged = new URL(url);
    forged.searchParams.set('state', 'A'.repeat(43));
    await expectRefusal(() => browser.open(forged.toString()), 400, 'the sign-in state is unknown or was already used');
  });

  it('an error from the provider', async () => {
    await expectRefusal(() => signIn('sso-prompt-none', 'leo'), 401, 'the identity provider refused the sign-in: login_required');
  });

  it('an id_token from another issuer', async () => {
    await expectRefusal(() => signIn('sso-wrong-issuer', 'mia'), 401, /the id_token is not valid: its iss claim is wrong/);
  });

  it('an id_token whose signature the published keys do not verify', async () => {
    await expectRefusal(() => signIn('sso-wrong-keys', 'ned'), 401, /the id_token is not valid: its signature does not verify/);
  });

  it('an id_token whose nonce is not the one sent', async () => {
    const browser = new Browser('olga');
    const { url } = await browser.open(`${ours}/auth/redirect/sso`, atCallback);
    await server.sql('update identity_sign_in set nonce = $1', ['not-the-nonce']);
    await expectRefusal(async () => ({ ...(await browser.open(url)), asid: browser.cookie(ours, 'asid') }), 401, 'its nonce is not the one this sign-in sent');
  });

  it('a sign-in that took longer than allowed', async () => {
    const browser = new Browser('pat');
    const { url } = await browser.open(`${ours}/auth/redirect/sso`, atCallback);
    await server.sql(`update identity_sign_in set expires_at = now() - interval '1 second'`);
    await expectRefusal(() => browser.open(url), 400, 'the sign-in took too long; start again');
  });
});
