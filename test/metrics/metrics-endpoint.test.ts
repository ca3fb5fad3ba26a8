import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, requestToken } from '../support/auth-factories';
import { ADMIN_PASSWORD, startTestServer, type TestServer } from '../support/test-server';
import { sampleOf } from './scrape';

let server: TestServer;
let open: TestServer;
beforeAll(async () => {
  [server, open] = await Promise.all([startTestServer(), startTestServer({ BOX_METRICS_PUBLIC: 'true' })]);
});
afterAll(async () => {
  await Promise.all([server.close(), open.close()]);
});

const PROMETHEUS_TEXT = /^text\/plain; version=0\.0\.4; charset=utf-8$/;

async function basicClient(target: TestServer) {
  return createClient(target, { grant_types: ['basic', 'client_credentials'] });
}

describe('GET /metrics is guarded by AccessPolicy (operation Metrics)', () => {
  it('asks an anonymous caller to authenticate (401)', async () => {
    const response = await server.anonymous.get('/metrics').expect(401);
    expect(response.body.resourceType).toBe('OperationOutcome');
  });

  it('refuses a client that no policy allows Metrics (403)', async () => {
    const client = await basicClient(server);
    const response = await server.anonymous.get('/metrics').auth(client.id, client.secret).expect(403);
    expect(response.body.resourceType).toBe('OperationOutcome');
  });

  it('answers the bootstrap Client root in the Prometheus text format', async () => {
    const response = await server.http.get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(PROMETHEUS_TEXT);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.text).toContain('# TYPE lockbox_http_requests_total counter');
  });

  it('answers the bootstrap User admin', async () => {
    const client = await createClient(server, { grant_types: ['password'] });
    const { body } = await requestToken(server, { grant_type: 'password', username: 'admin', password: ADMIN_PASSWORD }, client).expect(200);
    await server.anonymous.get('/metrics').set('authorization', `Bearer ${body.access_token}`).expect(200);
  });

  it('answers a client once a policy allows it operation Metrics, and only that', async () => {
    const client = await basicClient(server);
    await server.http.put('/AccessPolicy/prometheus-scrapes').send({ engine: 'matcho', link: [{ id: 'Metrics', resourceType: 'Operation' }], matcho: { client: { id: client.id } } }).expect(201);
    await server.anonymous.get('/metrics').auth(client.id, client.secret).expect(200);
    await server.anonymous.get('/fhir/Patient').auth(client.id, client.secret).expect(403);
  });

  it('answers anyone when BOX_METRICS_PUBLIC=true', async () => {
    const response = await open.anonymous.get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(PROMETHEUS_TEXT);
  });

  it('still refuses bad credentials when public (401)', async () => {
    await open.anonymous.get('/metrics').set('authorization', 'Bearer not-a-token').expect(401);
  });
});

describe('what /metrics counts', () => {
  let text: string;
  let patientId: string;
  beforeAll(async () => {
    patientId = (await server.http.post('/fhir/Patient').send({ resourceType: 'Patient', gender: 'female' }).expect(201)).body.id;
    await server.http.get(`/fhir/Patient/${patientId}`).expect(200);
    await server.http.get(`/fhir/Patient/${patientId}`).expect(200);
    await server.http.get('/fhir/Patient/no-such-patient').expect(404);
    await server.http.get('/nothing/here/at/all').expect(404);
    const outsider = await basicClient(server);
    await server.anonymous.get('/Observation').auth(outsider.id, outsider.secret).expect(403);
    await server.anonymous.get('/Observation').auth(outsider.id, outsider.secret).expect(403);
    await requestToken(server, { grant_type: 'client_credentials' }, outsider).expect(200);
    await requestToken(server, { grant_type: 'client_credentials' }, { id: outsider.id, secret: 'wrong' }).expect(401);
    text = (await server.http.get('/metrics').expect(200)).text;
  });

  it('counts requests by route pattern, method and status, never by the raw path', () => {
    expect(sampleOf(text, 'lockbox_http_requests_total', { route: '/fhir/:type', method: 'POST', status: '201' })).toBe(1);
    expect(sampleOf(text, 'lockbox_http_requests_total', { route: '/fhir/:type/:id', method: 'GET', status: '200' })).toBe(2);
    expect(sampleOf(text, 'lockbox_http_requests_total', { route: '/fhir/:type/:id', method: 'GET', status: '404' })).toBe(1);
    expect(sampleOf(text, 'lockbox_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' })).toBe(1);
    expect(text).not.toContain(patientId);
    expect(text).not.toContain('no-such-patient');
    expect(text).not.toContain('/nothing/here');
  });

  it('keeps a latency histogram with the same labels', () => {
    const labels = { route: '/fhir/:type/:id', method: 'GET', status: '200' };
    expect(sampleOf(text, 'lockbox_http_request_duration_seconds_count', labels)).toBe(2);
    expect(sampleOf(text, 'lockbox_http_request_duration_seconds_bucket', { ...labels, le: '+Inf' })).toBe(2);
    expect(sampleOf(text, 'lockbox_http_request_duration_seconds_sum', labels)).toBeGreaterThan(0);
  });

  it('counts tokens issued by grant, not refused token requests', () => {
    expect(sampleOf(text, 'lockbox_tokens_issued_total', { grant: 'client_credentials' })).toBe(1);
    expect(sampleOf(text, 'lockbox_http_requests_total', { route: '/auth/token', method: 'POST', status: '401' })).toBe(1);
  });

  it('counts policy denials by route pattern', () => {
    expect(sampleOf(text, 'lockbox_policy_denials_total', { route: '/:type', method: 'GET' })).toBe(2);
  });

  it('shows the PostgreSQL pool and the event loop', () => {
    expect(sampleOf(text, 'lockbox_db_pool_connections')).toBeGreaterThanOrEqual(1);
    expect(sampleOf(text, 'lockbox_db_pool_idle_connections')).toBeGreaterThanOrEqual(0);
    expect(sampleOf(text, 'lockbox_db_pool_waiting_requests')).toBe(0);
    expect(sampleOf(text, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThanOrEqual(0);
    expect(sampleOf(text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
  });

  it('keeps each server\'s counts apart', async () => {
    const other = (await open.anonymous.get('/metrics').expect(200)).text;
    expect(sampleOf(other, 'lockbox_http_requests_total', { route: '/fhir/:type', method: 'POST', status: '201' })).toBeUndefined();
  });
});
