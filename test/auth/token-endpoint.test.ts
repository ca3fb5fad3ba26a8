import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import pg from 'pg';
import { createClient, createUser, requestToken, userToken } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const decode = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8'));

describe('client_credentials', () => {
  it('issues an opaque token of at least 256 bits, no-store, and a Session with the token hash', async () => {
    const client = await createClient(server);
    const response = await requestToken(server, { grant_type: 'client_credentials' }, client).expect(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers.pragma).toBe('no-cache');
    expect(response.body.token_type).toBe('Bearer');
    expect(response.body.access_token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
    expect(Buffer.from(response.body.access_token, 'base64url').length).toBeGreaterThanOrEqual(32);
    const sessions = await server.sql(`select resource from session where resource#>>'{client,id}' = $1`, [client.id]);
    expect(sessions).toHaveLength(1);
    expect(sessions[0].resource).toMatchObject({ type: 'client_credentials', active: true });
  });

  it('accepts client_id and client_secret in a JSON body', async () => {
    const client = await createClient(server);
    await server.anonymous.post('/auth/token').send({ grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret }).expect(200);
  });

  it('issues an RS256 JWT with iss, sub, aud, exp, iat, jti, client_id, scope and sid when token_format is jwt', async () => {
    const client = await createClient(server, { scope: ['system/*.read'], auth: { client_credentials: { token_format: 'jwt', access_token_expiration: 120 } } });
    const response = await requestToken(server, { grant_type: 'client_credentials', scope: 'system/*.read' }, client).expect(200);
    expect(response.body.expires_in).toBe(120);
    const header = JSON.parse(Buffer.from(response.body.access_token.split('.')[0], 'base64url').toString());
    expect(header).toMatchObject({ alg: 'RS256', typ: 'JWT' });
    const claims = decode(response.body.access_token);
    expect(claims).toMatchObject({ iss: 'http://localhost:8080', sub: client.id, aud: 'http://localhost:8080', client_id: client.id, scope: 'system/*.read' });
    expect(claims.exp - claims.iat).toBe(120);
    expect(typeof claims.jti).toBe('string');
    const [session] = await server.sql<{ resource: Record<string, unknown> }>('select resource from session where id = $1', [claims.sid]);
    expect(session.resource.exp).toBe(claims.exp);
    expect(session.resource.scope).toEqual(['system/*.read']);
  });

  it('sets Session.exp from access_token_expiration and refuses the token after it', async () => {
    const client = await createClient(server, { grant_types: ['client_credentials', 'basic'], auth: { client_credentials: { access_token_expiration: 1 } } });
    const { body } = await requestToken(server, { grant_type: 'client_credentials' }, client).expect(200);
    expect(body.expires_in).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const refused = await server.anonymous.get('/Patient/x').set('authorization', `Bearer ${body.access_token}`).expect(401);
    expect(refused.body.issue[0].code).toBe('login');
    expect(refused.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
  });

  it.each([
    ['a plain audience', ['https://cmpl.example/smart'], 'https://cmpl.example/smart', 200],
    ['a #regex audience', ['#https://cmpl.example/tenant/[^/]+/smart'], 'https://cmpl.example/tenant/t1/smart', 200],
    ['a #regex that does not match the whole audience', ['#https://cmpl.example/tenant/[^/]+/smart'], 'https://cmpl.example/tenant/t1/smart/x', 400],
    ['an audience not listed', ['https://other.example'], 'https://cmpl.example/smart', 400],
    ['an audience with none configured', undefined, 'https://cmpl.example/smart', 400],
  ])('checks %s', async (_name, audience, requested, status) => {
    const client = await createClient(server, { auth: { client_credentials: { token_format: 'jwt', ...(audience ? { audience } : {}) } } });
    const response = await requestToken(server, { grant_type: 'client_credentials', audience: requested }, client).expect(status);
    if (status === 200) expect(decode(response.body.access_token).aud).toBe(requested);
    else expect(response.body.error).toBe('invalid_request');
  });
});

describe('password', () => {
  it('logs a user in by user name or e-mail; an id_token comes with scope openid', async () => {
    const client = await createClient(server, { grant_types: ['password'] });
    const user = await createUser(server, { email: 'Pat@Example.org' });
    const byName = await requestToken(server, { grant_type: 'password', username: user.userName, password: user.password, scope: 'openid' }, client).expect(200);
    expect(decode(byName.body.id_token)).toMatchObject({ iss: 'http://localhost:8080', sub: user.id, aud: client.id });
    await requestToken(server, { grant_type: 'password', username: 'pat@example.org', password: user.password }, client).expect(200);
    const [session] = await server.sql<{ user: string }>(`select resource#>>'{user,id}' as user from session order by cts desc limit 1`);
    expect(session.user).toBe(user.id);
  });

  it('honours auth.password.secret_required', async () => {
    const open = await createClient(server, { grant_types: ['password'] });
    const strict = await createClient(server, { grant_types: ['password'], auth: { password: { secret_required: true } } });
    const user = await createUser(server);
    const params = { grant_type: 'password', username: user.userName, password: user.password };
    await server.anonymous.post('/auth/token').type('form').send({ ...params, client_id: open.id }).expect(200);
    const refused = await server.anonymous.post('/auth/token').type('form').send({ ...params, client_id: strict.id }).expect(401);
    expect(refused.body.error).toBe('invalid_client');
    await server.anonymous.post('/auth/token').type('form').send({ ...params, client_id: strict.id, client_secret: strict.secret }).expect(200);
  });

  it('gives an inactive user no tokens ("User is inactive") and refuses the tokens it already has, keeping its sessions', async () => {
    const { user, client, token } = await userToken(server);
    await server.http.patch(`/User/${user.id}`).set('content-type', 'application/merge-patch+json').send({ inactive: true }).expect(200);
    const refused = await requestToken(server, { grant_type: 'password', username: user.userName, password: user.password }, client).expect(400);
    expect(refused.body).toEqual({ error: 'invalid_grant', error_description: 'User is inactive' });
    await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${token.access_token}`).expect(401);
    const sessions = await server.sql<{ active: boolean }>(`select (resource->>'active')::boolean as active from session where resource#>>'{user,id}' = $1`, [user.id]);
    expect(sessions).toEqual([{ active: true }]);
  });
});

describe('refresh_token', () => {
  const refreshing = { grant_types: ['password'], auth: { password: { refresh_token: true, token_format: 'jwt' } } };

  it('rotates the refresh token and the access token on every refresh', async () => {
    const { client, token } = await userToken(server, { client: refreshing });
    const first = await requestToken(server, { grant_type: 'refresh_token', refresh_token: token.refresh_token! }, client).expect(200);
    expect(first.body.refresh_token).not.toBe(token.refresh_token);
    expect(first.body.access_token).not.toBe(token.access_token);
    await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${first.body.access_token}`).expect(200);
    await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${token.access_token}`).expect(401);
    await requestToken(server, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token }, client).expect(200);
  });

  it('revokes the whole session when a used refresh token comes back', async () => {
    const { client, token } = await userToken(server, { client: refreshing });
    const rotated = await requestToken(server, { grant_type: 'refresh_token', refresh_token: token.refresh_token! }, client).expect(200);
    const replay = await requestToken(server, { grant_type: 'refresh_token', refresh_token: token.refresh_token! }, client).expect(400);
    expect(replay.body.error).toBe('invalid_grant');
    await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${rotated.body.access_token}`).expect(401);
    await requestToken(server, { grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token }, client).expect(400);
  });

  it('lets exactly one of 20 concurrent refreshes with one token win, and the others, being replays, revoke the session', async () => {
    // Six rounds: which presentation loses, and where, depends on timing.
    for (let round = 0; round < 6; round++) {
      const { client, token } = await userToken(server, { client: refreshing });
      const results = await Promise.all(Array.from({ length: 20 }, () => requestToken(server, { grant_type: 'refresh_token', refresh_token: token.refresh_token! }, client)));
      const winners = results.filter((r) => r.status === 200);
      expect(winners).toHaveLength(1);
      expect(results.filter((r) => r.status === 400).map((r) => r.body.error)).toEqual(Array(19).fill('invalid_grant'));
      await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${winners[0].body.access_token}`).expect(401);
      const next = await requestToken(server, { grant_type: 'refresh_token', refresh_token: winners[0].body.refresh_token }, client).expect(400);
      expect(next.body.error).toBe('invalid_grant');
    }
  });

  it('revokes the session when a presentation that found the token live loses the claim to another', async () => {
    // Every presentation reads the Session before any rotation commits: another transaction holds
    // the row until all of them are waiting on the database, then lets go.
    const { client, token } = await userToken(server, { client: refreshing });
    const [{ id }] = await server.sql<{ id: string }>(`select id from session where resource#>>'{client,id}' = $1`, [client.id]);
    const holder = new pg.Client({ connectionString: server.services.config.databaseUrl });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from session where id = $1 for update', [id]);
      const pending = Promise.all([1, 2, 3, 4].map(() => requestToken(server, { grant_type: 'refresh_token', refresh_token: token.refresh_token! }, client)));
      for (const started = Date.now(); Date.now() - started < 5000; await new Promise((resolve) => setTimeout(resolve, 20))) {
        const { rows } = await holder.query(`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`);
        if (rows[0].n === 4) break;
      }
      await holder.query('commit');
      const results = await pending;
      const winner = results.find((r) => r.status === 200)!;
      expect(results.map((r) => r.status).sort()).toEqual([200, 400, 400, 400]);
      await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${winner.body.access_token}`).expect(401);
      await requestToken(server, { grant_type: 'refresh_token', refresh_token: winner.body.refresh_token }, client).expect(400);
    } finally {
      await holder.end();
    }
  });

  it('is bound to its client and expires after refresh_token_expiration', async () => {
    const { client, token } = await userToken(server, { client: { grant_types: ['password'], auth: { password: { refresh_token: true, refresh_token_expiration: 1 } } } });
    const other = await createClient(server, { grant_types: ['password'] });
    const stolen = await requestToken(server, { grant_type: 'refresh_token', refresh_token: token.refresh_token! }, other).expect(400);
    expect(stolen.body.error).toBe('invalid_grant');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const expired = await requestToken(server, { grant_type: 'refresh_token', refresh_token: token.refresh_token! }, client).expect(400);
    expect(expired.body.error_description).toMatch(/expired/);
  });

  it('may narrow the scope but not widen it', async () => {
    const { client, token } = await userToken(server, { client: { ...refreshing, scope: ['a', 'b'] } });
    const user = await createUser(server);
    const full = await requestToken(server, { grant_type: 'password', username: user.userName, password: user.password, scope: 'a b' }, client).expect(200);
    const wider = await requestToken(server, { grant_type: 'refresh_token', refresh_token: full.body.refresh_token, scope: 'a b c' }, client).expect(400);
    expect(wider.body.error).toBe('invalid_scope');
    const narrower = await requestToken(server, { grant_type: 'refresh_token', refresh_token: full.body.refresh_token, scope: 'a' }, client).expect(200);
    expect(narrower.body.scope).toBe('a');
    expect(token.refresh_token).toBeDefined();
  });
});

describe('errors (RFC 6749 §5.2)', () => {
  it('answers invalid_request without grant_type, for a repeated parameter and for an unsupported body', async () => {
    const client = await createClient(server);
    const missing = await requestToken(server, {}, client).expect(400);
    expect(missing.body).toEqual({ error: 'invalid_request', error_description: expect.any(String) });
    expect(missing.headers['cache-control']).toBe('no-store');
    const repeated = await server.anonymous.post('/auth/token').type('form').auth(client.id, client.secret).send('grant_type=client_credentials&scope=a&scope=b').expect(400);
    expect(repeated.body.error).toBe('invalid_request');
    const xml = await server.anonymous.post('/auth/token').set('content-type', 'application/xml').send('<x/>').expect(400);
    expect(xml.body.error).toBe('invalid_request');
  });

  it('answers unsupported_grant_type for a grant it does not implement', async () => {
    const client = await createClient(server);
    const response = await requestToken(server, { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: 'x' }, client).expect(400);
    expect(response.body.error).toBe('unsupported_grant_type');
  });

  it('answers invalid_client 401 with WWW-Authenticate when Basic was used', async () => {
    const client = await createClient(server);
    const wrong = await requestToken(server, { grant_type: 'client_credentials' }, { id: client.id, secret: 'wrong' }).expect(401);
    expect(wrong.body.error).toBe('invalid_client');
    expect(wrong.headers['www-authenticate']).toMatch(/^Basic realm=/);
    const unknown = await requestToken(server, { grant_type: 'client_credentials' }, { id: 'nobody', secret: 'x' }).expect(401);
    expect(unknown.body).toEqual(wrong.body);
    const posted = await server.anonymous.post('/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: client.id, client_secret: 'wrong' }).expect(401);
    expect(posted.body.error).toBe('invalid_client');
    expect(posted.headers['www-authenticate']).toBeUndefined();
    const none = await server.anonymous.post('/auth/token').type('form').send({ grant_type: 'client_credentials' }).expect(401);
    expect(none.body.error).toBe('invalid_client');
  });

  it('refuses an inactive client as invalid_client', async () => {
    const client = await createClient(server, { active: false });
    const response = await requestToken(server, { grant_type: 'client_credentials' }, client).expect(401);
    expect(response.body.error).toBe('invalid_client');
  });

  it('refuses Basic and client_secret together', async () => {
    const client = await createClient(server);
    const response = await server.anonymous.post('/auth/token').type('form').auth(client.id, client.secret).send({ grant_type: 'client_credentials', client_secret: client.secret }).expect(400);
    expect(response.body.error).toBe('invalid_request');
  });

  it('answers unauthorized_client for a grant type the client may not use', async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    const response = await requestToken(server, { grant_type: 'client_credentials' }, client).expect(400);
    expect(response.body.error).toBe('unauthorized_client');
  });

  it('answers invalid_grant for a wrong password or unknown user, identically', async () => {
    const client = await createClient(server, { grant_types: ['password'] });
    const user = await createUser(server);
    const wrong = await requestToken(server, { grant_type: 'password', username: user.userName, password: 'not-the-password' }, client).expect(400);
    const unknown = await requestToken(server, { grant_type: 'password', username: 'no-such-user', password: 'not-the-password' }, client).expect(400);
    expect(wrong.body).toEqual({ error: 'invalid_grant', error_description: 'Invalid user name or password' });
    expect(unknown.body).toEqual(wrong.body);
    const invalid = await requestToken(server, { grant_type: 'refresh_token', refresh_token: 'nonsense' }, client).expect(400);
    expect(invalid.body.error).toBe('invalid_grant');
  });

  it('answers invalid_scope for a scope the client may not request or a malformed one', async () => {
    const client = await createClient(server, { scope: ['patient/*.read'] });
    expect((await requestToken(server, { grant_type: 'client_credentials', scope: 'user/*.write' }, client).expect(400)).body.error).toBe('invalid_scope');
    expect((await requestToken(server, { grant_type: 'client_credentials', scope: 'a"b' }, client).expect(400)).body.error).toBe('invalid_scope');
  });

  it('answers 405 for GET', async () => {
    const response = await server.anonymous.get('/auth/token').expect(405);
    expect(response.headers.allow).toBe('POST');
    expect(response.body.error).toBe('invalid_request');
  });
});
