import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { requestToken } from '../support/auth-factories';
import { eventually } from '../identity/eventually';
import { startTestServer, type TestServer } from '../support/test-server';
import { answerOf, authorize, cookieOf, createAppClient, formOf, pkce, REDIRECT, signedInUser } from './authorize-support';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { listen: true });
});
afterAll(async () => {
  await server.close();
});

/** A complete code flow's first half for a first-party public client: the code and what it needs. */
async function codeFor(options: { scope?: string; nonce?: string; client?: Record<string, unknown> } = {}) {
  const client = await createAppClient(server, { first_party: true, ...options.client });
  const person = await signedInUser(server);
  const { verifier, challenge } = pkce();
  const response = await authorize(server, {
    response_type: 'code', client_id: client.id, redirect_uri: REDIRECT, scope: options.scope ?? 'openid profile', state: 'st-1',
    nonce: options.nonce ?? 'n-1', code_challenge: challenge, code_challenge_method: 'S256',
  }, person.cookie).expect(302);
  const answer = answerOf(response.headers.location);
  return { client, person, verifier, code: answer.code, answer };
}

const redeem = (code: string, clientId: string, verifier: string, extra: Record<string, string> = {}) =>
  requestToken(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: clientId, ...extra });

describe('the authorization endpoint refuses with a page, never a redirect, when it cannot trust the redirect URI', () => {
  it.each([
    ['an unknown client', () => ({ client_id: 'no-such-client', redirect_uri: REDIRECT })],
    ['a missing client_id', () => ({ redirect_uri: REDIRECT })],
  ])('%s', async (_name, params) => {
    const response = await authorize(server, { response_type: 'code', ...params() }).expect(400);
    expect(response.headers.location).toBeUndefined();
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.headers['x-frame-options']).toBe('DENY');
  });

  it('an unregistered redirect_uri, even one that starts like the registered one', async () => {
    const client = await createAppClient(server);
    for (const uri of [`${REDIRECT}/../evil`, `${REDIRECT}?x=1`, 'https://evil.example/callback']) {
      const response = await authorize(server, { response_type: 'code', client_id: client.id, redirect_uri: uri }).expect(400);
      expect(response.headers.location).toBeUndefined();
      expect(response.text).toContain('not registered');
    }
  });

  it('a missing redirect_uri when the client registered several', async () => {
    const client = await createAppClient(server, { auth: { authorization_code: { redirect_uri: REDIRECT, redirect_uris: ['https://app.example/other'], secret_required: false } } });
    await authorize(server, { response_type: 'code', client_id: client.id }).expect(400);
  });

  it('a client without the grant type', async () => {
    const client = await createAppClient(server, { grant_types: ['client_credentials'] });
    const response = await authorize(server, { response_type: 'code', client_id: client.id, redirect_uri: REDIRECT }).expect(400);
    expect(response.text).toContain('not allowed');
  });
});

describe('the authorization endpoint sends every other error back, with state and iss', () => {
  it('an unsupported response_type', async () => {
    const client = await createAppClient(server);
    const response = await authorize(server, { response_type: 'id_token', client_id: client.id, redirect_uri: REDIRECT, state: 'abc' }).expect(302);
    expect(answerOf(response.headers.location)).toMatchObject({ error: 'unsupported_response_type', state: 'abc', iss: server.url });
  });

  it('a public client without PKCE, and PKCE with plain', async () => {
    const client = await createAppClient(server);
    const missing = await authorize(server, { response_type: 'code', client_id: client.id, redirect_uri: REDIRECT, state: 's' }).expect(302);
    expect(answerOf(missing.headers.location)).toMatchObject({ error: 'invalid_request', state: 's' });
    const plain = await authorize(server, { response_type: 'code', client_id: client.id, redirect_uri: REDIRECT, code_challenge: pkce().verifier, code_challenge_method: 'plain' }).expect(302);
    expect(answerOf(plain.headers.location).error_description).toMatch(/S256/);
  });

  it('a confidential client with pkce: true must send a challenge', async () => {
    const client = await createAppClient(server, { secret: 'app-secret', auth: { authorization_code: { redirect_uri: REDIRECT, pkce: true } } });
    const response = await authorize(server, { response_type: 'code', client_id: client.id, redirect_uri: REDIRECT }).expect(302);
    expect(answerOf(response.headers.location).error).toBe('invalid_request');
  });

  it('prompt=none without a sign-in is login_required', async () => {
    const client = await createAppClient(server);
    const response = await authorize(server, { response_type: 'code', client_id: client.id, redirect_uri: REDIRECT, code_challenge: pkce().challenge, code_challenge_method: 'S256', prompt: 'none', state: 'q' }).expect(302);
    expect(answerOf(response.headers.location)).toMatchObject({ error: 'login_required', state: 'q' });
  });

  it('a query response mode for a token is refused', async () => {
    const client = await createAppClient(server, { grant_types: ['implicit'], auth: { implicit: { redirect_uri: REDIRECT } } });
    const response = await authorize(server, { response_type: 'token', client_id: client.id, redirect_uri: REDIRECT, response_mode: 'query' }).expect(302);
    expect(response.headers.location).toContain('#');
    expect(answerOf(response.headers.location).error).toBe('invalid_request');
  });
});

describe('signing in on the way', () => {
  it('sends a person who is not signed in to the login page, which comes back to the request', async () => {
    const client = await createAppClient(server, { first_party: true });
    const { challenge } = pkce();
    const params = { response_type: 'code', client_id: client.id, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', login_hint: 'someone' };
    const response = await authorize(server, params).expect(302);
    const login = new URL(response.headers.location, server.url);
    expect(login.pathname).toBe('/auth/login');
    expect(login.searchParams.get('login_hint')).toBe('someone');
    const returnTo = login.searchParams.get('return_to')!;
    expect(returnTo.startsWith('/auth/authorize?')).toBe(true);
    const page = await server.anonymous.get(`${login.pathname}${login.search}`).expect(200);
    expect(page.text).toContain('value="someone"');
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('the login form needs its CSRF token', async () => {
    const person = await signedInUser(server);
    const page = await server.anonymous.get('/auth/login').expect(200);
    const csrf = cookieOf(page.headers['set-cookie'] as unknown as string[], 'lockbox_csrf')!;
    const without = await server.anonymous.post('/auth/login').type('form').set('cookie', `lockbox_csrf=${csrf}`).send({ username: person.userName, password: person.password }).expect(403);
    expect(cookieOf(without.headers['set-cookie'] as unknown as string[], 'asid')).toBeUndefined();
    expect(without.text).toContain('did not come from this site');
    const forged = await server.anonymous.post('/auth/login').type('form').send({ username: person.userName, password: person.password, csrf }).expect(403);
    expect(forged.text).toContain('Sign in');
  });

  it('a wrong password shows the form again with the reason and the name kept', async () => {
    const person = await signedInUser(server);
    const page = await server.anonymous.get('/auth/login').expect(200);
    const csrf = cookieOf(page.headers['set-cookie'] as unknown as string[], 'lockbox_csrf')!;
    const wrong = await server.anonymous.post('/auth/login').type('form').set('cookie', `lockbox_csrf=${csrf}`).send({ username: person.userName, password: 'not the password', csrf }).expect(401);
    expect(wrong.text).toContain('role="alert"');
    expect(wrong.text).toContain(`value="${person.userName}"`);
  });

  it('signing in issues a new asid, ends the old one, and lands on the account page or the return path', async () => {
    const person = await signedInUser(server);
    const page = await server.anonymous.get('/auth/login').set('cookie', person.cookie).expect(200);
    const csrf = cookieOf(page.headers['set-cookie'] as unknown as string[], 'lockbox_csrf')!;
    const cookie = `${person.cookie}; lockbox_csrf=${csrf}`;
    const signedIn = await server.anonymous.post('/auth/login').type('form').set('cookie', cookie).send({ username: person.userName, password: person.password, csrf }).expect(303);
    expect(signedIn.headers.location).toBe('/auth/account');
    const fresh = cookieOf(signedIn.headers['set-cookie'] as unknown as string[], 'asid')!;
    expect(fresh).not.toBe(person.asid);
    await server.anonymous.get('/auth/userinfo').set('cookie', person.cookie).expect(401);
    const account = await server.anonymous.get('/auth/account').set('cookie', `asid=${fresh}`).expect(200);
    expect(account.text).toContain(person.userName);
    expect(account.text).toContain('Sign out');
    const back = await server.anonymous.post('/auth/login').type('form').set('cookie', `asid=${fresh}; lockbox_csrf=${csrf}`)
      .send({ username: person.userName, password: person.password, csrf, return_to: '//evil.example/x' }).expect(303);
    expect(back.headers.location).toBe('/auth/account');
  });

  it('prompt=login and an exceeded max_age ask for the password again', async () => {
    const client = await createAppClient(server, { first_party: true });
    const person = await signedInUser(server);
    const base = { response_type: 'code', client_id: client.id, redirect_uri: REDIRECT, code_challenge: pkce().challenge, code_challenge_method: 'S256' };
    const forced = await authorize(server, { ...base, prompt: 'login consent' }, person.cookie).expect(302);
    const login = new URL(forced.headers.location, server.url);
    expect(login.pathname).toBe('/auth/login');
    expect(new URLSearchParams(login.searchParams.get('return_to')!.split('?')[1]).get('prompt')).toBe('consent');
    await server.sql("update session set resource = jsonb_set(resource, '{start}', to_jsonb((now() - interval '1 hour')::text)) where id = (select id from session where resource#>>'{user,id}' = $1 limit 1)", [person.id]);
    // The cache hears of the operator's SQL through the change bus.
    await eventually(async () => {
      const old = await authorize(server, { ...base, max_age: '60' }, person.cookie).expect(302);
      return new URL(old.headers.location, server.url).pathname === '/auth/login' ? true : undefined;
    });
  });
});

describe('the code', () => {
  it('is exchanged once, with PKCE, for tokens and an OpenID id_token', async () => {
    const { client, person, verifier, code, answer } = await codeFor({ scope: 'openid profile email', nonce: 'nonce-42' });
    expect(answer).toMatchObject({ state: 'st-1', iss: server.url });
    expect(Buffer.from(code, 'base64url').length).toBeGreaterThanOrEqual(32);
    const [stored] = await server.sql<{ n: number }>('select count(*)::int as n from authorization_code where code_hash = $1 or code_hash = $2', [code, code]);
    expect(stored.n).toBe(0);
    const tokens = await redeem(code, client.id, verifier).expect(200);
    expect(tokens.headers['cache-control']).toBe('no-store');
    expect(tokens.body).toMatchObject({ token_type: 'Bearer', scope: 'openid profile email' });
    expect(tokens.body.refresh_token).toBeDefined();
    const claims = decodeJwt(tokens.body.id_token);
    expect(claims).toMatchObject({ iss: server.url, sub: person.id, aud: client.id, nonce: 'nonce-42', preferred_username: person.userName });
    expect(typeof claims.at_hash).toBe('string');
    expect(typeof claims.auth_time).toBe('number');
    const info = await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${tokens.body.access_token}`).expect(200);
    expect(info.body).toMatchObject({ sub: person.id, preferred_username: person.userName });
    expect(info.body.password).toBeUndefined();
    const [session] = await server.sql<{ resource: Record<string, unknown> }>("select resource from session where resource->>'type' = 'authorization_code' and resource#>>'{user,id}' = $1", [person.id]);
    expect(session.resource.parent).toMatchObject({ resourceType: 'Session' });
    expect(session.resource.authorization_code).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a second use is invalid_grant and revokes the tokens issued from it', async () => {
    const { client, verifier, code } = await codeFor();
    const first = await redeem(code, client.id, verifier).expect(200);
    await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${first.body.access_token}`).expect(200);
    const second = await redeem(code, client.id, verifier).expect(400);
    expect(second.body.error).toBe('invalid_grant');
    await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${first.body.access_token}`).expect(401);
    const refresh = await requestToken(server, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token, client_id: client.id });
    expect(refresh.status).toBe(400);
  });

  it('two presentations at once: exactly one gets tokens', async () => {
    const { client, verifier, code } = await codeFor();
    const answers = await Promise.all([0, 1, 2, 3].map(() => redeem(code, client.id, verifier)));
    expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
    const winner = answers.find((r) => r.status === 200)!;
    await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${winner.body.access_token}`).expect(401);
  });

  it('a wrong PKCE verifier, a missing one, and one of the wrong length are refused', async () => {
    const { client, code, verifier } = await codeFor();
    expect((await redeem(code, client.id, pkce().verifier).expect(400)).body.error).toBe('invalid_grant');
    expect((await requestToken(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: client.id }).expect(400)).body.error).toBe('invalid_grant');
    expect((await redeem(code, client.id, 'short').expect(400)).body.error).toBe('invalid_grant');
    await redeem(code, client.id, verifier).expect(200);
  });

  it('a wrong redirect_uri at the token endpoint is refused', async () => {
    const { client, code, verifier } = await codeFor();
    const response = await redeem(code, client.id, verifier, { redirect_uri: 'https://app.example/other' }).expect(400);
    expect(response.body.error).toBe('invalid_grant');
  });

  it('an expired code is refused', async () => {
    const { client, code, verifier } = await codeFor();
    await server.sql("update authorization_code set expires_at = now() - interval '1 second'");
    expect((await redeem(code, client.id, verifier).expect(400)).body).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/expired/) });
  });

  it('another client cannot redeem it', async () => {
    const { code, verifier } = await codeFor();
    const other = await createAppClient(server, { first_party: true });
    expect((await redeem(code, other.id, verifier).expect(400)).body.error).toBe('invalid_grant');
  });

  it('a confidential client must authenticate to redeem it', async () => {
    const { client, code } = await (async () => {
      const c = await createAppClient(server, { first_party: true, secret: 'conf-secret-123' });
      const person = await signedInUser(server);
      const response = await authorize(server, { response_type: 'code', client_id: c.id, redirect_uri: REDIRECT, scope: 'openid' }, person.cookie).expect(302);
      return { client: c, code: answerOf(response.headers.location).code };
    })();
    expect((await requestToken(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: client.id })).status).toBe(401);
    const tokens = await requestToken(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { id: client.id, secret: 'conf-secret-123' }).expect(200);
    expect(tokens.body.id_token).toBeDefined();
  });

  it('being public for the code flow does not make the password grant secret-free', async () => {
    const client = await createAppClient(server, { grant_types: ['authorization_code', 'password'], auth: { authorization_code: { redirect_uri: REDIRECT, secret_required: false }, password: { secret_required: true } } });
    const person = await signedInUser(server);
    const response = await requestToken(server, { grant_type: 'password', client_id: client.id, username: person.userName, password: person.password });
    expect(response.status).toBe(401);
  });

  it("a password session's refresh still needs the secret when the password grant does, though the client is public for codes", async () => {
    const client = await createAppClient(server, { grant_types: ['authorization_code', 'password'], auth: { authorization_code: { redirect_uri: REDIRECT, secret_required: false }, password: { secret_required: true, refresh_token: true } } });
    const person = await signedInUser(server);
    const tokens = await requestToken(server, { grant_type: 'password', username: person.userName, password: person.password }, client).expect(200);
    const without = await requestToken(server, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_id: client.id });
    expect(without.status).toBe(401);
    await requestToken(server, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token }, client).expect(200);
  });

  it('a public client refreshes without a secret', async () => {
    const { client, verifier, code } = await codeFor();
    const tokens = await redeem(code, client.id, verifier).expect(200);
    const refreshed = await requestToken(server, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_id: client.id }).expect(200);
    expect(refreshed.body.access_token).not.toBe(tokens.body.access_token);
    expect(decodeJwt(refreshed.body.id_token).auth_time).toBe(decodeJwt(tokens.body.id_token).auth_time);
  });
});

describe('consent', () => {
  async function consentPage(scope: string, extra: Record<string, unknown> = {}) {
    const client = await createAppClient(server, { name: 'Vitals Viewer', scope: ['openid', 'profile', 'email', 'patient/*.read'], ...extra });
    const person = await signedInUser(server);
    const { verifier, challenge } = pkce();
    // aud: SMART scopes (patient/*.read) make it a SMART request, which must name our FHIR base.
    const params = { response_type: 'code', client_id: client.id, redirect_uri: REDIRECT, scope, state: 'c-1', aud: `${server.url}/fhir`, code_challenge: challenge, code_challenge_method: 'S256' };
    const page = await authorize(server, params, person.cookie).expect(200);
    const csrf = cookieOf(page.headers['set-cookie'] as unknown as string[], 'lockbox_csrf')!;
    return { client, person, verifier, params, page, csrf, cookie: `${person.cookie}; lockbox_csrf=${csrf}` };
  }

  it('shows the scopes the client may have, by their Scope title, and never offers others', async () => {
    await server.http.put('/Scope/patient-read').send({ scope: 'patient/*.read', title: 'Read your health records', description: 'Vital signs, lab results' }).expect((r) => expect(r.status).toBeLessThan(300));
    const { page } = await consentPage('openid patient/*.read admin/everything');
    expect(page.text).toContain('Vitals Viewer');
    expect(page.text).toContain('Read your health records');
    expect(page.text).toContain('Vital signs, lab results');
    expect(page.text).not.toMatch(/type="checkbox"[^>]*admin\/everything/);
    expect(page.text).not.toMatch(/<code>admin\/everything/);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('Allow without the CSRF token is refused', async () => {
    const { page, person } = await consentPage('openid profile');
    const response = await server.anonymous.post('/auth/authorize').type('form').set('cookie', person.cookie).send({ ...formOf(page.text), decision: 'allow' }).expect(403);
    expect(response.headers.location).toBeUndefined();
  });

  it('Deny answers access_denied', async () => {
    const { page, cookie } = await consentPage('openid profile');
    const response = await server.anonymous.post('/auth/authorize').type('form').set('cookie', cookie).send({ ...formOf(page.text), decision: 'deny' }).expect(303);
    expect(answerOf(response.headers.location)).toMatchObject({ error: 'access_denied', state: 'c-1', iss: server.url });
  });

  it('Allow records a Grant with what was left ticked; the grant is reused; prompt=none needs it', async () => {
    const { client, person, page, cookie, params, verifier } = await consentPage('openid profile email');
    const fields = formOf(page.text);
    const unticked = Object.keys(fields).find((name) => fields[name] === 'email')!;
    delete fields[unticked];
    const allowed = await server.anonymous.post('/auth/authorize').type('form').set('cookie', cookie).send({ ...fields, decision: 'allow' }).expect(303);
    const { code } = answerOf(allowed.headers.location);
    const tokens = await redeem(code, client.id, verifier).expect(200);
    expect(tokens.body.scope).toBe('openid profile');
    const [grant] = await server.sql<{ resource: Record<string, unknown> }>(`select resource from "grant" where resource#>>'{client,id}' = $1`, [client.id]);
    expect(grant.resource).toMatchObject({ user: { id: person.id }, 'requested-scope': ['openid', 'profile', 'email'], 'provided-scope': ['openid', 'profile'], scope: 'openid profile' });
    // Within the grant: no page.
    const again = await authorize(server, { ...params, scope: 'openid profile', code_challenge: pkce().challenge }, person.cookie).expect(302);
    expect(answerOf(again.headers.location).code).toBeDefined();
    // Beyond it: the page again, or consent_required without one.
    await authorize(server, { ...params, scope: 'openid email' }, person.cookie).expect(200);
    const none = await authorize(server, { ...params, scope: 'openid email', prompt: 'none' }, person.cookie).expect(302);
    expect(answerOf(none.headers.location).error).toBe('consent_required');
  });
});

describe("the person's path, configured", () => {
  it('a client with a default_identity_provider sends the person there, to come back to the request', async () => {
    const client = await createAppClient(server, { auth: { authorization_code: { redirect_uri: REDIRECT, secret_required: false, default_identity_provider: { id: 'corporate-sso', resourceType: 'IdentityProvider' } } } });
    const response = await authorize(server, { response_type: 'code', client_id: client.id, redirect_uri: REDIRECT, code_challenge: pkce().challenge, code_challenge_method: 'S256' }).expect(302);
    const location = new URL(response.headers.location, server.url);
    expect(location.pathname).toBe('/auth/redirect/corporate-sso');
    expect(location.searchParams.get('return_to')).toMatch(/^\/auth\/authorize\?response_type=code&client_id=/);
  });

  it('the pages wear AuthConfig.theme: brand, title, stylesheet (allowed by the CSP) and the forgot-password link', async () => {
    await server.http.put('/AuthConfig/theme').send({ theme: { brand: 'Acme Health', title: 'Acme', styleUrl: 'https://cdn.acme.example/auth.css', forgotPasswordUrl: 'https://acme.example/forgot' } }).expect((r) => expect(r.status).toBeLessThan(300));
    try {
      const page = await server.anonymous.get('/auth/login').expect(200);
      expect(page.text).toContain('<header>Acme Health</header>');
      expect(page.text).toContain('<title>Sign in · Acme</title>');
      expect(page.text).toContain('<link rel="stylesheet" href="https://cdn.acme.example/auth.css">');
      expect(page.text).toContain('href="https://acme.example/forgot"');
      expect(page.headers['content-security-policy']).toContain("style-src 'unsafe-inline' https://cdn.acme.example");
    } finally {
      await server.http.delete('/AuthConfig/theme');
    }
  });

  it('hostile parameters get a page, not a crash: repeated, overlong, control characters', async () => {
    const client = await createAppClient(server, { first_party: true });
    const repeated = await server.anonymous.get(`/auth/authorize?client_id=${client.id}&client_id=other&response_type=code`).expect(400);
    expect(repeated.headers['content-type']).toMatch(/text\/html/);
    const person = await signedInUser(server);
    const long = await authorize(server, { response_type: 'code', client_id: client.id, redirect_uri: REDIRECT, state: 'x'.repeat(4000), code_challenge: pkce().challenge, code_challenge_method: 'S256', scope: 'openid \u0000bad' }, person.cookie).expect(302);
    expect(answerOf(long.headers.location).error).toBe('invalid_scope');
    await server.anonymous.get('/auth/authorize?client_id=%FF%FE&response_type=code').expect((r) => expect(r.status).toBe(400));
  });
});

describe('the account page', () => {
  it('lists the applications a person allowed, and Revoke ends their sessions and their Grant', async () => {
    const client = await createAppClient(server, { name: 'Sleep Diary' });
    const person = await signedInUser(server);
    const { verifier, challenge } = pkce();
    const params = { response_type: 'code', client_id: client.id, redirect_uri: REDIRECT, scope: 'openid profile', code_challenge: challenge, code_challenge_method: 'S256' };
    const page = await authorize(server, params, person.cookie).expect(200);
    const csrf = cookieOf(page.headers['set-cookie'] as unknown as string[], 'lockbox_csrf')!;
    const cookie = `${person.cookie}; lockbox_csrf=${csrf}`;
    const allowed = await server.anonymous.post('/auth/authorize').type('form').set('cookie', cookie).send({ ...formOf(page.text), decision: 'allow' }).expect(303);
    const tokens = await redeem(answerOf(allowed.headers.location).code, client.id, verifier).expect(200);
    const account = await server.anonymous.get('/auth/account').set('cookie', cookie).expect(200);
    expect(account.text).toContain('Sleep Diary');
    await server.anonymous.post('/auth/account').type('form').set('cookie', person.cookie).send({ revoke: client.id, csrf }).expect(403);
    await server.anonymous.post('/auth/account').type('form').set('cookie', cookie).send({ revoke: client.id, csrf }).expect(303);
    await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${tokens.body.access_token}`).expect(401);
    await authorize(server, { ...params, code_challenge: pkce().challenge }, person.cookie).expect(200);
  });
});

describe('response types and modes', () => {
  it('implicit: the token in the fragment, never a refresh token', async () => {
    const client = await createAppClient(server, { first_party: true, grant_types: ['implicit'], auth: { implicit: { redirect_uri: REDIRECT, access_token_expiration: 300 } } });
    const person = await signedInUser(server);
    const response = await authorize(server, { response_type: 'token', client_id: client.id, redirect_uri: REDIRECT, state: 'i-1', scope: 'openid' }, person.cookie).expect(302);
    expect(new URL(response.headers.location).search).toBe('');
    const answer = answerOf(response.headers.location);
    expect(answer).toMatchObject({ token_type: 'Bearer', expires_in: '300', state: 'i-1', iss: server.url });
    expect(answer.refresh_token).toBeUndefined();
    await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${answer.access_token}`).expect(200);
  });

  it('form_post: a self-posting form to the redirect URI', async () => {
    const client = await createAppClient(server, { first_party: true });
    const person = await signedInUser(server);
    const response = await authorize(server, { response_type: 'code', client_id: client.id, redirect_uri: REDIRECT, state: 'f-1', response_mode: 'form_post', code_challenge: pkce().challenge, code_challenge_method: 'S256' }, person.cookie).expect(200);
    expect(response.text).toContain(`action="${REDIRECT}"`);
    expect(formOf(response.text)).toMatchObject({ state: 'f-1', iss: server.url });
    expect(response.headers['content-security-policy']).toMatch(/script-src 'nonce-/);
  });

  it('the client code alias and POST to the authorization endpoint', async () => {
    const client = await createAppClient(server, { first_party: true, grant_types: ['code'] });
    const person = await signedInUser(server);
    const { challenge } = pkce();
    // Posted from the application's page, the request carries no SameSite=Lax cookie: it becomes a GET, which does.
    const posted = await server.anonymous.post('/auth/authorize').type('form')
      .send({ response_type: 'code', client_id: client.id, redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256', prompt: 'login' }).expect(303);
    const get = new URL(posted.headers.location, server.url);
    expect(get.pathname).toBe('/auth/authorize');
    expect(get.searchParams.get('prompt')).toBe('login');
    get.searchParams.delete('prompt');
    const response = await server.anonymous.get(`${get.pathname}${get.search}`).set('cookie', person.cookie).redirects(0).expect(302);
    expect(answerOf(response.headers.location).code).toBeDefined();
  });
});

describe('sign-out (RP-initiated logout)', () => {
  it('with id_token_hint and a registered post_logout_redirect_uri: ends the sessions and returns with state', async () => {
    const { client, person, verifier, code } = await codeFor({ client: { post_logout_redirect_uris: ['https://app.example/bye'] } });
    const tokens = await redeem(code, client.id, verifier).expect(200);
    const response = await server.anonymous.get(`/auth/logout?${new URLSearchParams({ id_token_hint: tokens.body.id_token, post_logout_redirect_uri: 'https://app.example/bye', state: 'bye-1' })}`)
      .set('cookie', person.cookie).redirects(0).expect(302);
    expect(response.headers.location).toBe('https://app.example/bye?state=bye-1');
    expect(response.headers['set-cookie'][0]).toMatch(/^asid=; .*Max-Age=0/);
    await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${tokens.body.access_token}`).expect(401);
    await server.anonymous.get('/auth/userinfo').set('cookie', person.cookie).expect(401);
  });

  it('an unregistered post_logout_redirect_uri is an error page', async () => {
    const { client, verifier, code } = await codeFor();
    const tokens = await redeem(code, client.id, verifier).expect(200);
    const response = await server.anonymous.get(`/auth/logout?${new URLSearchParams({ id_token_hint: tokens.body.id_token, post_logout_redirect_uri: 'https://evil.example/' })}`).redirects(0).expect(400);
    expect(response.headers.location).toBeUndefined();
  });

  it('without a hint the person confirms; POST /auth/logout by script clears the cookie too', async () => {
    const person = await signedInUser(server);
    const page = await server.anonymous.get('/auth/logout').set('cookie', person.cookie).expect(200);
    expect(page.text).toContain('Sign out?');
    await server.anonymous.get('/auth/userinfo').set('cookie', person.cookie).expect(200);
    const api = await server.anonymous.post('/auth/logout').set('cookie', person.cookie).expect(204);
    expect(api.headers['set-cookie'][0]).toMatch(/^asid=; .*Max-Age=0/);
    await server.anonymous.get('/auth/userinfo').set('cookie', person.cookie).expect(401);
  });
});

describe('discovery', () => {
  it('advertises exactly the browser half that exists', async () => {
    const { body } = await server.anonymous.get('/.well-known/openid-configuration').expect(200);
    expect(body).toMatchObject({
      authorization_endpoint: `${server.url}/auth/authorize`,
      end_session_endpoint: `${server.url}/auth/logout`,
      response_types_supported: ['code', 'token'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: true,
      prompt_values_supported: ['none', 'login', 'consent'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['RS256'],
    });
    expect(body.claims_supported).toEqual(expect.arrayContaining(['nonce', 'at_hash', 'email', 'address', 'phone_number']));
    expect(body.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'implicit', 'refresh_token']));
  });
});
