import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

interface Entry {
  fullUrl: string;
  resource?: Record<string, unknown> & { meta: { versionId: string } };
  request: { method: string; url: string };
  response: { etag: string };
}
interface HistoryBundle {
  type: string;
  link: Array<{ relation: string; url: string }>;
  entry: Entry[];
}

const txidOf = (entry: Entry) => Number(/\d+/.exec(entry.response.etag)![0]);
const relative = (url: string) => new URL(url).pathname + new URL(url).search;
const nextOf = (bundle: HistoryBundle) => bundle.link.find((link) => link.relation === 'next')?.url;
/** The database's clock: versions are stamped with it. */
const databaseNow = async () => (await server.sql<{ now: Date }>('select now() as now'))[0].now.toISOString();

let policyCount = 0;
async function allowOperation(operation: string, clientId: string): Promise<void> {
  const id = `system-history-policy-${++policyCount}`;
  const policy = { engine: 'matcho', link: [{ id: operation, resourceType: 'Operation' }], matcho: { client: { id: clientId } } };
  await server.http.put(`/AccessPolicy/${id}`).send(policy).expect(201);
}

describe('GET /fhir/_history and /_history', () => {
  it("lists every type's versions in one history Bundle, newest first, deletions included", async () => {
    const since = await databaseNow();
    await server.http.put('/fhir/Patient/sh-pat').send({ resourceType: 'Patient', gender: 'female' }).expect(201);
    await server.http.put('/fhir/Observation/sh-obs').send({ resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'Patient/sh-pat' } }).expect(201);
    await server.http.put('/fhir/Patient/sh-pat').send({ resourceType: 'Patient', gender: 'male' }).expect(200);
    await server.http.delete('/fhir/Observation/sh-obs').expect(200);

    const { body } = (await server.http.get(`/fhir/_history?_since=${encodeURIComponent(since)}`).expect(200)) as { body: HistoryBundle };
    expect(body.type).toBe('history');
    expect(body.entry.map((entry) => `${entry.request.method} ${entry.request.url}`)).toEqual(['DELETE Observation/sh-obs', 'PUT Patient/sh-pat', 'POST Observation', 'POST Patient']);
    expect(body.entry[0].resource).toBeUndefined();
    expect(body.entry[0].fullUrl).toBe('http://localhost:8080/fhir/Observation/sh-obs');
    expect(body.entry[1].resource).toMatchObject({ resourceType: 'Patient', id: 'sh-pat', gender: 'male' });
    // FHIR format under /fhir, the stored format (references as {id, resourceType}) under /.
    expect(body.entry[2].resource!.subject).toEqual({ reference: 'Patient/sh-pat' });
    const stored = (await server.http.get(`/_history?_since=${encodeURIComponent(since)}`).expect(200)) as { body: HistoryBundle };
    expect(stored.body.entry[2].resource!.subject).toEqual({ id: 'sh-pat', resourceType: 'Patient' });
    expect(stored.body.entry[2].fullUrl).toBe('http://localhost:8080/Observation/sh-obs');
  });

  it('pages with _count and next links through older versions of every type, each version once', async () => {
    for (const type of ['Practitioner', 'Organization', 'Device']) await server.http.post(`/fhir/${type}`).send({ resourceType: type }).expect(201);
    const all = ((await server.http.get('/fhir/_history?_count=1000').expect(200)).body as HistoryBundle).entry.map(txidOf);
    expect(all.length).toBeGreaterThan(6);
    expect([...all].sort((a, b) => b - a)).toEqual(all);

    const seen: number[] = [];
    let url: string | undefined = '/fhir/_history?_count=3';
    let pages = 0;
    while (url) {
      const page = (await server.http.get(url).expect(200)).body as HistoryBundle;
      expect(page.entry.length).toBeLessThanOrEqual(3);
      seen.push(...page.entry.map(txidOf));
      const next = nextOf(page);
      if (next) expect(next).toMatch(/^http:\/\/localhost:8080\/fhir\/_history\?_count=3&_cursor=\d+$/);
      url = next && relative(next);
      pages++;
    }
    expect(pages).toBe(Math.ceil(all.length / 3));
    expect(seen).toEqual(all);
  });

  it('keeps only versions written since _since, and refuses a bad _since, _count or parameter with 400', async () => {
    const since = await databaseNow();
    await server.http.put('/Practitioner/sh-late').send({}).expect(201);
    const { body } = (await server.http.get(`/fhir/_history?_since=${encodeURIComponent(since)}`).expect(200)) as { body: HistoryBundle };
    expect(body.entry.map((entry) => entry.fullUrl)).toEqual(['http://localhost:8080/fhir/Practitioner/sh-late']);
    expect(body.link[0].url).toContain(`_since=${encodeURIComponent(new Date(since).toISOString())}`);
    const future = (await server.http.get('/fhir/_history?_since=2999-01-01T00:00:00Z').expect(200)).body as HistoryBundle;
    expect(future.entry ?? []).toEqual([]);
    for (const bad of ['_since=yesterday', '_count=0', '_count=1001', '_cursor=abc', 'name=x']) {
      const response = await server.http.get(`/fhir/_history?${bad}`).expect(400);
      expect(response.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'invalid' }] });
    }
    await server.http.post('/fhir/_history').send({}).expect(405);
  });

  it('never shows secrets, as no other read does', async () => {
    const client = await createClient(server, { id: 'sh-client' });
    const { body } = (await server.http.get('/_history?_count=5').expect(200)) as { body: HistoryBundle };
    const entry = body.entry.find((e) => e.fullUrl.endsWith('/Client/sh-client'))!;
    expect(entry.resource).toMatchObject({ id: 'sh-client', grant_types: ['client_credentials'] });
    expect(entry.resource).not.toHaveProperty('secret');
    expect(JSON.stringify(body)).not.toContain(client.secret);
  });
});

describe('the CapabilityStatement', () => {
  it('lists the history-system interaction', async () => {
    const { body } = await server.anonymous.get('/fhir/metadata').expect(200);
    expect(body.rest[0].interaction).toEqual(expect.arrayContaining([{ code: 'history-system' }]));
  });
});

describe('who may read the system history', () => {
  it('refuses a caller without credentials with 401', async () => {
    await server.anonymous.get('/fhir/_history').expect(401);
  });

  it('refuses a caller allowed only the type-level History with 403, and admits one allowed FhirSystemHistory', async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    await allowOperation('FhirHistory', client.id);
    await server.anonymous.get('/fhir/Patient/_history').auth(client.id, client.secret).expect(200);
    const denied = await server.anonymous.get('/fhir/_history').auth(client.id, client.secret).expect(403);
    expect(denied.body.issue[0].code).toBe('forbidden');

    await allowOperation('FhirSystemHistory', client.id);
    const { body } = await server.anonymous.get('/fhir/_history?_count=2').auth(client.id, client.secret).expect(200);
    expect(body.entry).toHaveLength(2);
    // The stored-format path is another operation: SystemHistory.
    await server.anonymous.get('/_history').auth(client.id, client.secret).expect(403);
    await allowOperation('SystemHistory', client.id);
    await server.anonymous.get('/_history').auth(client.id, client.secret).expect(200);
  });
});
