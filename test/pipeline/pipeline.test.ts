import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { answerBeforeBody } from '../support/answer-before-body';
import { ROUTES } from '../../src/pipeline/route-table';
import { startTestServer, type TestServer } from '../support/test-server';

/** The one pipeline: what every request goes through, in order, whatever its entry point. */
let server: TestServer;
let url: URL;

beforeAll(async () => {
  server = await startTestServer();
  url = new URL(await server.listen());
}, 60_000);
afterAll(async () => {
  await server.close();
});

/** The status of a request whose announced 6 MB body never comes: only an answer that needs no body arrives. */
const answerWithoutBody = async (method: string, path: string, headers: Record<string, string> = {}) =>
  (await answerBeforeBody(url.toString(), method, path, { 'content-type': 'application/json', ...headers }, 6_000_000)).status;

describe('the route is resolved first', () => {
  it('answers an unknown path 404 and an unsupported method 405 before looking at credentials or the body', async () => {
    expect(await answerWithoutBody('POST', '/fhir/Spaceship', { authorization: 'Bearer not-a-token' })).toBe(404);
    expect(await answerWithoutBody('POST', '/fhir/Patient/some-id/_history', { authorization: 'Bearer not-a-token' })).toBe(405);
    expect(await answerWithoutBody('PUT', '/auth/token')).toBe(405);
  });

  it('reads no body on a route that takes none, even a public one', async () => {
    expect(await answerWithoutBody('GET', '/fhir/metadata')).toBe(200);
    expect(await answerWithoutBody('DELETE', '/fhir/Patient/never-was', { authorization: `Basic ${Buffer.from('root:root-secret-for-tests').toString('base64')}` })).toBe(404);
  });

  it('takes the most specific pattern: GET on _search is 405, not a read of the id "_search"', async () => {
    const response = await server.http.get('/fhir/Patient/_search').expect(405);
    expect(response.headers.allow).toBe('POST');
  });

  it('serves the resource API under /fhir and in the stored format under / from one table', async () => {
    const { body } = await server.http.post('/fhir/Patient').send({ resourceType: 'Patient', generalPractitioner: [{ reference: 'Practitioner/p1' }] }).expect(201);
    expect((await server.http.get(`/fhir/Patient/${body.id}`).expect(200)).body.generalPractitioner).toEqual([{ reference: 'Practitioner/p1' }]);
    expect((await server.http.get(`/Patient/${body.id}`).expect(200)).body.generalPractitioner).toEqual([{ id: 'p1', resourceType: 'Practitioner' }]);
  });
});

describe('a bundle entry', () => {
  it('is a resource interaction in its bundle\'s path style: never another bundle, an OAuth endpoint, a page or an rpc call', async () => {
    const entries = [
      { request: { method: 'POST', url: 'fhir' }, resource: { resourceType: 'Bundle', type: 'batch', entry: [] } },
      { request: { method: 'GET', url: 'auth/login' } },
      { request: { method: 'POST', url: 'auth/token' } },
      { request: { method: 'POST', url: 'rpc' }, resource: { method: 'lockbox.policy/test' } },
      { request: { method: 'GET', url: 'health' } },
      { request: { method: 'GET', url: 'auth/redirect/x' } },
    ];
    const { body } = await server.http.post('/').send({ resourceType: 'Bundle', type: 'batch', entry: entries }).expect(200);
    expect(body.entry.map((entry: { response: { status: string } }) => entry.response.status.slice(0, 3))).toEqual(['400', '404', '404', '404', '404', '404']);
    const fhir = await server.http.post('/fhir').send({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'POST', url: '/fhir' }, resource: { resourceType: 'Bundle', type: 'batch' } }, { request: { method: 'GET', url: 'Patient?_count=1' } }] }).expect(200);
    expect(fhir.body.entry.map((entry: { response: { status: string } }) => entry.response.status.slice(0, 3))).toEqual(['404', '200']);
  });
});

describe('the request id', () => {
  it('is echoed on every response: a sane incoming X-Request-Id is kept, anything else replaced', async () => {
    expect((await server.http.get('/fhir/Patient?_count=1').set('x-request-id', 'trace-42.a_b')).headers['x-request-id']).toBe('trace-42.a_b');
    expect((await server.anonymous.get('/fhir/Spaceship').set('x-request-id', 'trace-43')).headers['x-request-id']).toBe('trace-43');
    const replaced = (await server.http.get('/fhir/Patient?_count=1').set('x-request-id', 'no spaces or "quotes" allowed')).headers['x-request-id'];
    expect(replaced).toMatch(/^[0-9a-f-]{36}$/);
    expect((await server.anonymous.post('/auth/token').type('form').send({ grant_type: 'nope' })).headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('is on the log line of an error, for a request and for an entry of its bundle', async () => {
    await server.http.get('/fhir/Patient?name=a%00b').set('x-request-id', 'trace-log-1').expect(400);
    const bundle = { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient?name=a%00b' } }] };
    await server.http.post('/fhir').set('x-request-id', 'trace-log-2').send(bundle).expect(200);
    const refused = server.logs.filter((line) => line.includes('the database refused a value')).map((line) => JSON.parse(line).requestId);
    expect(refused).toEqual(expect.arrayContaining(['trace-log-1', 'trace-log-2']));
  });
});

describe('the CapabilityStatement', () => {
  it('lists exactly the interactions the route table serves', async () => {
    const { body } = await server.anonymous.get('/fhir/metadata').expect(200);
    const rest = body.rest[0];
    const served = (level: string[]) => new Set(ROUTES.flatMap((route) => route.capabilities ?? []).filter((entry) => level.includes(entry.level) && entry.interaction).map((entry) => entry.interaction));
    expect(new Set(rest.interaction.map((i: { code: string }) => i.code))).toEqual(served(['system']));
    const patient = rest.resource.find((r: { type: string }) => r.type === 'Patient');
    expect(new Set(patient.interaction.map((i: { code: string }) => i.code))).toEqual(served(['type', 'instance']));
  });
});
