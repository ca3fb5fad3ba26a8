import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, createUser, requestToken, userToken } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ BOX_AUTH_MAX_FAILED_LOGINS: '3', BOX_AUTH_MAX_FAILED_LOGINS_PER_ADDRESS: '1000' });
});
afterAll(async () => {
  await server.close();
});

const asidOf = (setCookie: string[] | string | undefined) => {
  const cookie = [setCookie ?? []].flat().find((value) => value.startsWith('asid='))!;
  return { cookie, value: cookie.split(';')[0].slice('asid='.length) };
};

describe('POST /auth/login', () => {
  it('sets the asid cookie HttpOnly, SameSite=Lax, Max-Age 432000 by default, not Secure over http', async () => {
    const user = await createUser(server);
    const response = await server.anonymous.post('/auth/login').send({ username: user.userName, password: user.password }).expect(200);
    const { cookie } = asidOf(response.headers['set-cookie']);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).toMatch(/; Max-Age=432000/);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/Secure/);
    expect(response.body.user).toEqual({ id: user.id, resourceType: 'User' });
  });

  it('accepts a form post and the e-mail as the login', async () => {
    const user = await createUser(server, { email: 'form.user@example.org' });
    const page = await server.anonymous.get('/auth/login').expect(200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1];
    const posted = await server.anonymous.post('/auth/login').type('form').set('cookie', `lockbox_csrf=${csrf}`).send({ username: 'form.user@example.org', password: user.password, csrf }).expect(303);
    expect((posted.headers['set-cookie'] as unknown as string[]).some((cookie) => cookie.startsWith('asid='))).toBe(true);
  });

  it('creates a Session listed by the reference SQL on the session table', async () => {
    const user = await createUser(server);
    await server.anonymous.post('/auth/login').send({ username: user.userName, password: user.password }).expect(200);
    const rows = await server.sql<{ cts: Date; user: string }>(`select cts, resource#>>'{user,id}' as user from session order by cts desc limit 10`);
    expect(rows[0].user).toBe(user.id);
    // The reference's query text as is.
    const raw = await server.sql(`select cts, resource#>>'{user,id}'\nfrom session\norder by cts desc\nlimit 10`);
    expect(Object.values(raw[0])).toContain(user.id);
  });

  it('takes Max-Age from AuthConfig.asidCookieMaxAge, written as YAML as in the reference', async () => {
    const put = await server.http.put('/AuthConfig/my-auth-config').set('content-type', 'text/yaml').set('accept', 'text/yaml').send('asidCookieMaxAge: 86400 # seconds\n').expect(201);
    expect(put.headers['content-type']).toMatch(/yaml/);
    expect(put.text).toMatch(/asidCookieMaxAge: 86400/);
    const user = await createUser(server);
    const response = await server.anonymous.post('/auth/login').send({ username: user.userName, password: user.password }).expect(200);
    expect(asidOf(response.headers['set-cookie']).cookie).toMatch(/; Max-Age=86400/);
    const [session] = await server.sql<{ exp: number; start: string }>(`select (resource->>'exp')::bigint as exp, resource->>'start' as start from session order by cts desc limit 1`);
    expect(Number(session.exp) - Math.floor(new Date(session.start).getTime() / 1000)).toBe(86400);
    await server.http.delete('/AuthConfig/my-auth-config').expect(200);
  });

  it('authenticates later requests with the cookie: userinfo, and no resource access for a non-admin user', async () => {
    const user = await createUser(server);
    const login = await server.anonymous.post('/auth/login').send({ username: user.userName, password: user.password }).expect(200);
    const { value } = asidOf(login.headers['set-cookie']);
    const me = await server.anonymous.get('/auth/userinfo').set('cookie', `asid=${value}`).expect(200);
    expect(me.body).toMatchObject({ sub: user.id, id: user.id, userName: user.userName });
    expect(me.body.password).toBeUndefined();
    await server.anonymous.get('/Patient').set('cookie', `asid=${value}`).expect(403);
  });

  it('refuses wrong credentials the same way whether the user exists or not', async () => {
    const user = await createUser(server);
    const wrong = await server.anonymous.post('/auth/login').send({ username: user.userName, password: 'wrong-password' }).expect(400);
    const unknown = await server.anonymous.post('/auth/login').send({ username: 'ghost-user', password: 'wrong-password' }).expect(400);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.headers['set-cookie']).toBeUndefined();
  });

  it('serves a login page on GET', async () => {
    const page = await server.anonymous.get('/auth/login').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toMatch(/<form[^>]+action="\/auth\/login"/);
    expect(page.text).toMatch(/type="password"/);
  });
});

describe('Secure cookie', () => {
  it('is Secure when the base URL is https', async () => {
    const https = await startTestServer({ BOX_WEB_BASE_URL: 'https://box.example.org' });
    try {
      const user = await createUser(https);
      const response = await https.anonymous.post('/auth/login').send({ username: user.userName, password: user.password }).expect(200);
      expect(asidOf(response.headers['set-cookie']).cookie).toMatch(/; Secure/);
    } finally {
      await https.close();
    }
  });
});

describe('throttling', () => {
  it('answers 429 with Retry-After after repeated failures for one user name, existing or not', async () => {
    const user = await createUser(server);
    for (const name of [user.userName, 'nobody-at-all']) {
      for (let i = 0; i < 3; i++) await server.anonymous.post('/auth/login').send({ username: name, password: 'bad-password' }).expect(400);
      const throttled = await server.anonymous.post('/auth/login').send({ username: name, password: 'bad-password' }).expect(429);
      expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
      expect(throttled.body.error).toBe('temporarily_unavailable');
    }
    // Even the right password waits until the window ends.
    await server.anonymous.post('/auth/login').send({ username: user.userName, password: user.password }).expect(429);
  });

  it('counts password grants too', async () => {
    const client = await createClient(server, { grant_types: ['password'] });
    const user = await createUser(server);
    for (let i = 0; i < 3; i++) await requestToken(server, { grant_type: 'password', username: user.userName, password: 'nope-nope' }, client).expect(400);
    await requestToken(server, { grant_type: 'password', username: user.userName, password: user.password }, client).expect(429);
  });

  it('throttles one client address across user names', async () => {
    const strict = await startTestServer({ BOX_AUTH_MAX_FAILED_LOGINS_PER_ADDRESS: '2' });
    try {
      await strict.anonymous.post('/auth/login').send({ username: 'a-name', password: 'bad-password' }).expect(400);
      await strict.anonymous.post('/auth/login').send({ username: 'b-name', password: 'bad-password' }).expect(400);
      await strict.anonymous.post('/auth/login').send({ username: 'c-name', password: 'bad-password' }).expect(429);
    } finally {
      await strict.close();
    }
  });

  it('takes about as long for an unknown user as for a wrong password', async () => {
    const slow = await startTestServer({ BOX_AUTH_BCRYPT_COST: '10', BOX_AUTH_MAX_FAILED_LOGINS: '100' });
    try {
      const user = await createUser(slow);
      const time = async (username: string) => {
        const started = process.hrtime.bigint();
        await slow.anonymous.post('/auth/login').send({ username, password: 'wrong-password' }).expect(400);
        return Number(process.hrtime.bigint() - started) / 1e6;
      };
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 7; i++) {
        known.push(await time(user.userName));
        unknown.push(await time(`ghost-${i}`));
      }
      // Medians of interleaved samples; loose bounds, since other work shares the machine. Without
      // the dummy hash an unknown user would answer in a few ms against ~50 ms for bcrypt at cost 10.
      const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
      expect(median(unknown) / median(known)).toBeGreaterThan(0.5);
      expect(median(unknown) / median(known)).toBeLessThan(2);
    } finally {
      await slow.close();
    }
  });
});

describe('ending sessions', () => {
  it('POST /auth/logout ends the cookie session and clears the cookie', async () => {
    const user = await createUser(server);
    const login = await server.anonymous.post('/auth/login').send({ username: user.userName, password: user.password }).expect(200);
    const { value } = asidOf(login.headers['set-cookie']);
    const out = await server.anonymous.post('/auth/logout').set('cookie', `asid=${value}`).expect(204);
    expect(asidOf(out.headers['set-cookie']).cookie).toMatch(/^asid=; .*Max-Age=0/);
    await server.anonymous.get('/auth/userinfo').set('cookie', `asid=${value}`).expect(401);
    const [session] = await server.sql<{ active: string; end: string }>(`select resource->>'active' as active, resource->>'end' as end from session order by cts desc limit 1`);
    expect(session.active).toBe('false');
    expect(session.end).toBeTruthy();
    // Logging out again is still fine.
    await server.anonymous.post('/auth/logout').set('cookie', `asid=${value}`).expect(204);
  });

  it('DELETE /Session with the bearer token ends that session', async () => {
    const { token } = await userToken(server);
    await server.anonymous.delete('/Session').set('authorization', `Bearer ${token.access_token}`).expect(204);
    const refused = await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${token.access_token}`).expect(401);
    expect(refused.body.error).toBe('invalid_token');
    const anonymous = await server.anonymous.delete('/Session').expect(401);
    expect(anonymous.body.issue[0].code).toBe('login');
  });

  it('POST /auth/revoke (RFC 7009) ends the session of either token, and answers 200 for unknown tokens', async () => {
    const { client, token } = await userToken(server, { client: { auth: { password: { refresh_token: true } } } });
    await server.anonymous.post('/auth/revoke').type('form').auth(client.id, client.secret).send({ token: 'unknown-token' }).expect(200);
    await server.anonymous.post('/auth/revoke').type('form').auth(client.id, client.secret).send({ token: token.refresh_token!, token_type_hint: 'refresh_token' }).expect(200);
    await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${token.access_token}`).expect(401);
    const unauthenticated = await server.anonymous.post('/auth/revoke').type('form').send({ token: token.access_token }).expect(401);
    expect(unauthenticated.body.error).toBe('invalid_client');
  });

  it("POST /auth/revoke does not end another client's session", async () => {
    const { token } = await userToken(server);
    const other = await createClient(server);
    await server.anonymous.post('/auth/revoke').type('form').auth(other.id, other.secret).send({ token: token.access_token }).expect(200);
    await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${token.access_token}`).expect(200);
  });
});

describe('POST /auth/introspect (RFC 7662)', () => {
  it('describes a live token and says active: false for revoked, expired and unknown ones', async () => {
    const { client, user, token } = await userToken(server, { client: { scope: ['read'], auth: { password: { refresh_token: true } } } });
    const introspect = (value: string) => server.anonymous.post('/auth/introspect').type('form').auth(client.id, client.secret).send({ token: value }).expect(200);
    const live = await introspect(token.access_token);
    expect(live.body).toMatchObject({ active: true, client_id: client.id, sub: user.id, username: user.userName, token_type: 'Bearer', iss: 'http://localhost:8080' });
    expect((await introspect(token.refresh_token!)).body).toMatchObject({ active: true, token_type: 'refresh_token' });
    expect((await introspect('no-such-token')).body).toEqual({ active: false });
    await server.anonymous.post('/auth/revoke').type('form').auth(client.id, client.secret).send({ token: token.access_token }).expect(200);
    expect((await introspect(token.access_token)).body).toEqual({ active: false });
    const short = await createClient(server, { auth: { client_credentials: { access_token_expiration: 1 } } });
    const { body } = await requestToken(server, { grant_type: 'client_credentials' }, short).expect(200);
    const introspectOwn = () => server.anonymous.post('/auth/introspect').type('form').auth(short.id, short.secret).send({ token: body.access_token }).expect(200);
    expect((await introspectOwn()).body).toMatchObject({ active: true });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await introspectOwn()).body).toEqual({ active: false });
  });

  it('says active: false to a client the token was not issued to, and tells it nothing more (RFC 7662 §2.1, §4)', async () => {
    const { token } = await userToken(server, { client: { auth: { password: { refresh_token: true, token_format: 'jwt' } } } });
    const other = await createClient(server);
    for (const value of [token.access_token, token.refresh_token!]) {
      const { body } = await server.anonymous.post('/auth/introspect').type('form').auth(other.id, other.secret).send({ token: value }).expect(200);
      expect(body).toEqual({ active: false });
    }
  });

  it('describes any of our tokens to a Client of type resource-server, and still no token of another issuer', async () => {
    const { client, user, token } = await userToken(server, { client: { auth: { password: { refresh_token: true, token_format: 'jwt' } } } });
    const api = await createClient(server, { type: 'resource-server' });
    const introspect = (value: string) => server.anonymous.post('/auth/introspect').type('form').auth(api.id, api.secret).send({ token: value }).expect(200);
    expect((await introspect(token.access_token)).body).toMatchObject({ active: true, client_id: client.id, sub: user.id, username: user.userName });
    expect((await introspect(token.refresh_token!)).body).toMatchObject({ active: true, token_type: 'refresh_token' });
    const foreign = `${Buffer.from('{"alg":"RS256","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ iss: 'https://elsewhere.example', sub: user.id })).toString('base64url')}.c2ln`;
    expect((await introspect(foreign)).body).toEqual({ active: false });
  });

  it('requires client authentication', async () => {
    const response = await server.anonymous.post('/auth/introspect').type('form').send({ token: 'x' }).expect(401);
    expect(response.body.error).toBe('invalid_client');
  });
});

describe('userinfo', () => {
  it('answers POST too, and 401 with a Bearer challenge without credentials or for a client token', async () => {
    const { token } = await userToken(server);
    await server.anonymous.post('/auth/userinfo').set('authorization', `Bearer ${token.access_token}`).expect(200);
    const none = await server.anonymous.get('/auth/userinfo').expect(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    const client = await createClient(server);
    const { body } = await requestToken(server, { grant_type: 'client_credentials' }, client).expect(200);
    const clientOnly = await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${body.access_token}`).expect(401);
    expect(clientOnly.body.error).toBe('invalid_token');
  });
});

describe('login edge cases', () => {
  it('serves the login page so that no other site can frame it', async () => {
    const page = await server.anonymous.get('/auth/login').expect(200);
    expect(page.headers['x-frame-options']).toBe('DENY');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('refuses an inactive user with "User is inactive", and a password longer than 72 bytes that shares the first 72', async () => {
    const inactive = await createUser(server, { inactive: true });
    const refused = await server.anonymous.post('/auth/login').send({ username: inactive.userName, password: inactive.password }).expect(400);
    expect(refused.body).toEqual({ error: 'invalid_grant', error_description: 'User is inactive' });
    const long = await createUser(server, { password: 'p'.repeat(72) });
    await server.anonymous.post('/auth/login').send({ username: long.userName, password: `${'p'.repeat(72)}extra` }).expect(400);
    await server.anonymous.post('/auth/login').send({ username: long.userName, password: 'p'.repeat(72) }).expect(200);
  });

  it('never reads credentials from the query string of a POST', async () => {
    const user = await createUser(server);
    const response = await server.anonymous.post(`/auth/login?username=${user.userName}&password=${encodeURIComponent(user.password)}`).expect(400);
    expect(response.body.error).toBe('invalid_request');
  });
});
