import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import supertest, { type Response } from 'supertest';
import { ConfigError, loadConfig } from '../../src/config/load-config';
import { createApp } from '../../src/http/create-app';
import { createClient, createUser } from '../support/auth-factories';
import { ROOT_SECRET, startTestServer, type TestServer } from '../support/test-server';
import { eventually } from '../identity/eventually';

const CONFIGURED = 'https://configured.example';
const UNKNOWN = 'https://unknown.example';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ BOX_CORS_ALLOWED_ORIGINS: `${CONFIGURED}, https://second.example` });
});
afterAll(async () => {
  await server.close();
});

/** The response's CORS headers (Access-Control-*), lowercased names. */
const corsOf = (response: Response) => Object.fromEntries(Object.entries(response.headers).filter(([name]) => name.startsWith('access-control-')));
const varies = (response: Response) => String(response.headers.vary ?? '').split(',').map((name) => name.trim().toLowerCase());

const preflight = (path: string, origin: string, method = 'POST', headers = 'authorization, content-type') =>
  server.anonymous.options(path).set('origin', origin).set('access-control-request-method', method).set('access-control-request-headers', headers);

/** Whether a page of this origin may now read a response of the resource API. */
async function allows(origin: string): Promise<boolean> {
  const response = await server.http.get('/fhir/Patient?_count=1').set('origin', origin).expect(200);
  return response.headers['access-control-allow-origin'] === origin;
}

describe('a preflight', () => {
  it('from an allowed origin is answered 204 with the origin, credentials, the methods, the acceptable requested headers and a max age', async () => {
    const origin = 'https://preflight.example';
    await createClient(server, { allowed_origins: [origin] });
    const response = await preflight('/fhir/Patient', origin, 'POST', 'Authorization, Content-Type, Prefer, If-None-Exist, X-Request-Id, X-Not-Ours').expect(204);
    expect(corsOf(response)).toEqual({
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS',
      // The one it does not take is left out: the browser then refuses to send it.
      'access-control-allow-headers': 'authorization, content-type, prefer, if-none-exist, x-request-id',
      'access-control-max-age': '600',
    });
    expect(varies(response)).toContain('origin');
    expect(response.text).toBe('');
  });

  it('from an unknown origin is refused with 403, an OperationOutcome and no Access-Control-* headers', async () => {
    const response = await preflight('/fhir/Patient', UNKNOWN).expect(403);
    expect(corsOf(response)).toEqual({});
    expect(response.body.issue[0]).toMatchObject({ code: 'forbidden', diagnostics: `The origin ${UNKNOWN} is not allowed` });
    expect(varies(response)).toContain('origin');
  });

  it('needs Access-Control-Request-Method: a plain OPTIONS is routed like any other method', async () => {
    const response = await server.anonymous.options('/fhir/Patient').set('origin', CONFIGURED);
    expect(response.status).not.toBe(204);
    expect(response.headers['access-control-allow-methods']).toBeUndefined();
  });
});

describe('an actual response', () => {
  it('to an allowed origin carries the origin, credentials, Vary: Origin and the exposed headers, errors included', async () => {
    // A Client's allowed_origins are URLs; the trailing slash is not part of the origin a browser sends.
    const origin = 'https://reader.example';
    await createClient(server, { allowed_origins: [`${origin}/`] });
    const expected = {
      'access-control-allow-origin': origin,
      'access-control-allow-credentials': 'true',
      'access-control-expose-headers': 'ETag, Location, Last-Modified, X-Request-Id, Content-Location',
    };
    const created = await server.http.post('/fhir/Patient').set('origin', origin).send({ resourceType: 'Patient' }).expect(201);
    const read = await server.http.get(`/fhir/Patient/${created.body.id}`).set('origin', origin).expect(200);
    const missing = await server.http.get('/fhir/Patient/no-such-patient').set('origin', origin).expect(404);
    const anonymous = await server.anonymous.get('/fhir/Patient').set('origin', origin).expect(401);
    const badToken = await server.anonymous.post('/auth/token').set('origin', origin).type('form').send({ grant_type: 'nonsense' }).expect(400);
    for (const response of [created, read, missing, anonymous, badToken]) {
      expect(corsOf(response)).toEqual(expected);
      expect(varies(response)).toContain('origin');
    }
  });

  it('to an unknown origin is served without Access-Control-Allow-Origin, and says Vary: Origin, as it does without an Origin', async () => {
    const unknown = await server.http.get('/fhir/Patient?_count=1').set('origin', UNKNOWN).expect(200);
    expect(corsOf(unknown)).toEqual({});
    expect(varies(unknown)).toContain('origin');
    const none = await server.http.get('/fhir/Patient?_count=1').expect(200);
    expect(corsOf(none)).toEqual({});
    expect(varies(none)).toContain('origin');
  });
});

describe("a Client's allowed_origins", () => {
  it('allow an origin from the write that adds it, and no longer from the write that removes it or deactivates the Client', async () => {
    const origin = 'https://api-written.example';
    const client = await createClient(server);
    expect(await allows(origin)).toBe(false);
    await server.http.patch(`/Client/${client.id}`).set('content-type', 'application/merge-patch+json').send({ allowed_origins: [origin] }).expect(200);
    expect(await allows(origin)).toBe(true);
    await server.http.patch(`/Client/${client.id}`).set('content-type', 'application/merge-patch+json').send({ allowed_origins: null }).expect(200);
    expect(await allows(origin)).toBe(false);
    await server.http.patch(`/Client/${client.id}`).set('content-type', 'application/merge-patch+json').send({ allowed_origins: [origin] }).expect(200);
    expect(await allows(origin)).toBe(true);
    await server.http.patch(`/Client/${client.id}`).set('content-type', 'application/merge-patch+json').send({ active: false }).expect(200);
    expect(await allows(origin)).toBe(false);
  });

  it('stop allowing an origin once the Client is deleted', async () => {
    const origin = 'https://deleted-client.example';
    const client = await createClient(server, { allowed_origins: [origin] });
    expect(await allows(origin)).toBe(true);
    await server.http.delete(`/Client/${client.id}`).expect(200);
    await eventually(async () => ((await allows(origin)) ? undefined : true));
  });

  it('written by SQL, as another process would, take effect once their NOTIFY arrives', async () => {
    const origin = 'https://sql-written.example';
    const client = await createClient(server);
    // Asked once, so that the origins are cached before the change.
    expect(await allows(origin)).toBe(false);
    await server.sql(`update client set resource = jsonb_set(resource, '{allowed_origins}', $2::jsonb) where id = $1`, [client.id, JSON.stringify([origin])]);
    await eventually(async () => ((await allows(origin)) ? true : undefined));
    await server.sql(`update client set resource = resource - 'allowed_origins' where id = $1`, [client.id]);
    await eventually(async () => ((await allows(origin)) ? undefined : true));
  });
});

describe('BOX_CORS_ALLOWED_ORIGINS', () => {
  it('allows its origins on the resource API and the OAuth endpoints, with credentials', async () => {
    for (const origin of [CONFIGURED, 'https://second.example']) {
      expect(await allows(origin)).toBe(true);
      const response = await preflight('/auth/token', origin).expect(204);
      expect(corsOf(response)).toMatchObject({ 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true' });
    }
  });

  it('stops start-up naming the variable when an entry is not an origin', () => {
    for (const value of ['app.example', 'https://app.example/path', 'https://app.example?x=1', 'ftp://app.example', 'null', 'https://user@app.example']) {
      expect(() => loadConfig({ BOX_CORS_ALLOWED_ORIGINS: value })).toThrow(ConfigError);
      expect(() => loadConfig({ BOX_CORS_ALLOWED_ORIGINS: value })).toThrow(/BOX_CORS_ALLOWED_ORIGINS must list origins/);
    }
    expect(loadConfig({ BOX_CORS_ALLOWED_ORIGINS: ' https://App.Example:443/ , * ,' }).corsAllowedOrigins).toEqual(['https://app.example', '*']);
    expect(loadConfig({}).corsAllowedOrigins).toEqual([]);
  });

  it('with *, lets any origin read without credentials, and a listed origin with them', async () => {
    // The same services and database, configured with `*`.
    const { corsAllowedOrigins } = loadConfig({ BOX_CORS_ALLOWED_ORIGINS: `*, ${CONFIGURED}` });
    const open = supertest(createApp({ ...server.services, config: { ...server.services.config, corsAllowedOrigins } }));
    const any = await open.get('/fhir/Patient?_count=1').auth('root', ROOT_SECRET).set('origin', UNKNOWN).expect(200);
    expect(corsOf(any)).toMatchObject({ 'access-control-allow-origin': '*' });
    expect(any.headers['access-control-allow-credentials']).toBeUndefined();
    expect(varies(any)).toContain('origin');
    const listed = await open.get('/fhir/Patient?_count=1').auth('root', ROOT_SECRET).set('origin', CONFIGURED).expect(200);
    expect(corsOf(listed)).toMatchObject({ 'access-control-allow-origin': CONFIGURED, 'access-control-allow-credentials': 'true' });
  });
});

describe('public metadata', () => {
  it('discovery documents, the JWKS and the CapabilityStatement let any origin read them, without credentials', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/.well-known/jwks.json', '/fhir/metadata']) {
      // Even a listed origin gets `*`: these are the same for everyone, and `*` never goes with credentials.
      for (const origin of [UNKNOWN, CONFIGURED]) {
        const response = await server.anonymous.get(path).set('origin', origin).expect(200);
        expect({ path, cors: corsOf(response) }).toEqual({ path, cors: { 'access-control-allow-origin': '*', 'access-control-expose-headers': 'ETag, Location, Last-Modified, X-Request-Id, Content-Location' } });
      }
      const response = await preflight(path, UNKNOWN, 'GET', 'accept, authorization').expect(204);
      expect(corsOf(response)).toEqual({
        'access-control-allow-origin': '*',
        'access-control-allow-methods': 'GET, HEAD, OPTIONS',
        'access-control-allow-headers': 'accept, authorization',
        'access-control-max-age': '600',
      });
    }
  });
});

describe('browser sign-in', () => {
  it('nothing under /auth/login or /auth/authorize gets CORS headers, not even for an allowed origin', async () => {
    const user = await createUser(server);
    const responses: Record<string, Response> = {
      'GET /auth/login': await server.anonymous.get('/auth/login').set('origin', CONFIGURED).expect(200),
      'POST /auth/login': await server.anonymous.post('/auth/login').set('origin', CONFIGURED).send({ username: user.userName, password: user.password }).expect(200),
      'POST /auth/login, wrong password': await server.anonymous.post('/auth/login').set('origin', CONFIGURED).send({ username: user.userName, password: 'wrong password' }),
      'GET /auth/authorize': await server.anonymous.get('/auth/authorize?response_type=code&client_id=x').set('origin', CONFIGURED),
      'GET /auth/login/anything': await server.anonymous.get('/auth/login/anything').set('origin', CONFIGURED),
      // The same page by other spellings of its path.
      'GET //auth/login': await server.anonymous.get('//auth/login').set('origin', CONFIGURED).expect(200),
      'GET /%61uth/login': await server.anonymous.get('/%61uth/login').set('origin', CONFIGURED).expect(200),
      'preflight /auth//login': await preflight('/auth//login', CONFIGURED).expect(403),
      'preflight /auth/login': await preflight('/auth/login', CONFIGURED).expect(403),
      'preflight /auth/authorize': await preflight('/auth/authorize', CONFIGURED, 'GET').expect(403),
    };
    for (const [request, response] of Object.entries(responses)) {
      expect({ request, cors: corsOf(response), varies: varies(response).includes('origin') }).toEqual({ request, cors: {}, varies: false });
    }
  });
});
