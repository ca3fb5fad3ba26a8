import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { createClient, createUser } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * openid-client v6, unmodified, as the relying party of the authorization code flow (OpenID
 * Connect Core §3.1). The person's browser is played by fetch with a cookie jar of two cookies:
 * `asid` from a JSON sign-in, and `lockbox_csrf` from the consent page.
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { listen: true });
});
afterAll(async () => {
  await server.close();
});

const APP = 'http://127.0.0.1:5555';

/** A public client (RFC 6749 §2.1): no secret, PKCE instead; Client is PUT as an operator would. */
async function createPublicClient(body: Record<string, unknown>): Promise<{ id: string }> {
  const id = `public-${Math.random().toString(36).slice(2, 10)}`;
  await server.http.put(`/Client/${id}`).send(body).expect((res) => {
    if (res.status >= 300) throw new Error(`creating Client/${id}: ${res.status} ${JSON.stringify(res.body)}`);
  });
  return { id };
}

async function discover(clientId: string, auth: oidc.ClientAuth = oidc.None()): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(server.url), clientId, undefined, auth, { execute: [oidc.allowInsecureRequests] });
}

/** The `name=value` of a Set-Cookie header, by name. */
function cookieFrom(response: Response, name: string): string | undefined {
  const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`));
  return line?.split(';')[0].slice(name.length + 1);
}

/** A person signs in with a password (the JSON form of POST /auth/login) and keeps the `asid` cookie. */
async function signIn(user: { userName: string; password: string }): Promise<string> {
  const response = await fetch(`${server.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user.userName, password: user.password }),
  });
  expect(response.status).toBe(200);
  const asid = cookieFrom(response, 'asid');
  expect(asid).toBeDefined();
  return asid!;
}

/** Every `<input>` of a page as its attributes (a tolerant reading: order and quoting vary). */
function inputsOf(html: string): Record<string, string>[] {
  return [...html.matchAll(/<input\b([^>]*)>/gi)].map(([, attributes]) => {
    const parsed: Record<string, string> = {};
    for (const [, name, , double, single, bare] of attributes.matchAll(/([\w-]+)(\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
      parsed[name.toLowerCase()] = (double ?? single ?? bare ?? '').replace(/&quot;/g, '"').replace(/&#39;|&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    }
    return parsed;
  });
}

/**
 * The browser follows the authorization URL with the person signed in. A consent page is answered
 * as a person would: the form is posted back with its hidden fields, the ticked scopes, its CSRF
 * token and `decision=allow`. Returns where the server finally sends the browser back to.
 */
async function authorizeInBrowser(authorizationUrl: URL, asid: string): Promise<URL> {
  let response = await fetch(authorizationUrl, { redirect: 'manual', headers: { cookie: `asid=${asid}` } });
  if (response.status === 200) {
    const html = await response.text();
    const csrf = cookieFrom(response, 'lockbox_csrf');
    expect(csrf).toBeDefined();
    const form = new URLSearchParams();
    for (const input of inputsOf(html)) {
      if (!input.name) continue;
      if (input.type === 'hidden') form.append(input.name, input.value ?? '');
      else if (input.type === 'checkbox' && 'checked' in input) form.append(input.name, input.value ?? 'on');
    }
    form.set('csrf', csrf!);
    form.set('decision', 'allow');
    response = await fetch(`${server.url}/auth/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: `asid=${asid}; lockbox_csrf=${csrf}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
    });
  }
  expect([302, 303]).toContain(response.status);
  return new URL(response.headers.get('location')!);
}

describe('openid-client: the authorization code flow', () => {
  it('discovers the authorization and end-session endpoints', async () => {
    const client = await createPublicClient({ grant_types: ['authorization_code'], auth: { authorization_code: { redirect_uri: `${APP}/cb`, secret_required: false } } });
    const metadata = (await discover(client.id)).serverMetadata();
    expect(metadata.authorization_endpoint).toBe(`${server.url}/auth/authorize`);
    expect(metadata.end_session_endpoint).toBe(`${server.url}/auth/logout`);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.authorization_response_iss_parameter_supported).toBe(true);
    expect(metadata.response_types_supported).toEqual(expect.arrayContaining(['code']));
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
  });

  it('signs a person in through a public client with PKCE, state and nonce, with consent; refreshes; reads userinfo; logs out', async () => {
    const client = await createPublicClient({
      grant_types: ['authorization_code', 'refresh_token'],
      first_party: false,
      scope: ['openid', 'profile', 'email', 'offline_access'],
      post_logout_redirect_uris: [`${APP}/signed-out`],
      auth: { authorization_code: { redirect_uri: `${APP}/cb`, secret_required: false, pkce: true, refresh_token: true, token_format: 'jwt', access_token_expiration: 300 } },
    });
    const user = await createUser(server, { email: 'code.flow@example.org', name: { givenName: 'Ada', familyName: 'Lovelace' } });
    const config = await discover(client.id);

    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const authorizationUrl = oidc.buildAuthorizationUrl(config, {
      redirect_uri: `${APP}/cb`,
      scope: 'openid profile email offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    expect(authorizationUrl.href.startsWith(`${server.url}/auth/authorize?`)).toBe(true);

    const asid = await signIn(user);
    const callback = await authorizeInBrowser(authorizationUrl, asid);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${APP}/cb`);
    // RFC 9207: the answer names its issuer, so a client of several servers cannot be mixed up.
    expect(callback.searchParams.get('iss')).toBe(server.url);

    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({ iss: server.url, sub: user.id, aud: client.id, nonce, name: 'Ada Lovelace', given_name: 'Ada', email: 'code.flow@example.org' });
    // OpenID Connect Core §3.1.3.6: at_hash binds the access token to the id_token; openid-client checked it.
    expect(typeof claims.at_hash).toBe('string');
    expect(typeof claims.auth_time).toBe('number');
    expect(tokens.refresh_token).toBeDefined();

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.access_token).not.toBe(tokens.access_token);
    expect(refreshed.claims()?.sub).toBe(user.id);

    const info = await oidc.fetchUserInfo(config, refreshed.access_token, user.id);
    expect(info).toMatchObject({ sub: user.id, email: 'code.flow@example.org' });

    const logoutState = oidc.randomState();
    const endSession = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: `${APP}/signed-out`, state: logoutState });
    expect(endSession.href.startsWith(`${server.url}/auth/logout?`)).toBe(true);
    const loggedOut = await fetch(endSession, { redirect: 'manual', headers: { cookie: `asid=${asid}` } });
    expect([302, 303]).toContain(loggedOut.status);
    const back = new URL(loggedOut.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(`${APP}/signed-out`);
    expect(back.searchParams.get('state')).toBe(logoutState);
    // The cookie is cleared, and the Session is over: its tokens no longer open anything.
    expect(loggedOut.headers.getSetCookie().some((cookie) => /^asid=;|^asid=.*Max-Age=0/i.test(cookie))).toBe(true);
    const after = await fetch(`${server.url}/auth/userinfo`, { headers: { authorization: `Bearer ${refreshed.access_token}` } });
    expect(after.status).toBe(401);
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('signs a person in through a confidential client that authenticates with HTTP Basic', async () => {
    const client = await createClient(server, {
      grant_types: ['authorization_code'],
      first_party: true,
      auth: { authorization_code: { redirect_uri: `${APP}/server-cb`, token_format: 'jwt', access_token_expiration: 300 } },
    });
    const user = await createUser(server);
    const config = await discover(client.id, oidc.ClientSecretBasic(client.secret));
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    // A confidential client without `pkce: true` may leave PKCE out; its secret binds the code.
    const authorizationUrl = oidc.buildAuthorizationUrl(config, { redirect_uri: `${APP}/server-cb`, scope: 'openid', state, nonce });

    // A first-party client needs no consent: straight back with the code.
    const callback = await authorizeInBrowser(authorizationUrl, await signIn(user));
    expect(callback.searchParams.get('code')).toBeTruthy();
    const tokens = await oidc.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce, idTokenExpected: true });
    expect(tokens.claims()).toMatchObject({ iss: server.url, sub: user.id, aud: client.id, nonce });
    expect(tokens.refresh_token).toBeUndefined();

    const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    expect(info.sub).toBe(user.id);

    // The code was single use (RFC 6749 §4.1.2): a second redemption fails.
    await expect(oidc.authorizationCodeGrant(config, callback, { expectedState: state, expectedNonce: nonce })).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
