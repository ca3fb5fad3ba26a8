import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Client, type FhirResource } from 'fhir-kit-client';
import { ROOT_SECRET, startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const patient = (extra: Record<string, unknown> = {}) => ({ resourceType: 'Patient', name: [{ family: 'Cond' }], ...extra });

/** Creates a patient and gives back its id, version and the validators a client would keep. */
async function created(prefix: string, id: string) {
  const response = await server.http.put(`${prefix}/Patient/${id}`).send(patient()).expect(201);
  return { id, versionId: response.body.meta.versionId as string, etag: response.headers.etag as string, lastModified: response.headers['last-modified'] as string };
}

describe.each([
  ['/fhir', 'FHIR format'],
  ['', 'stored format'],
])('conditional read on %s (%s)', (prefix) => {
  const tag = (name: string) => `${name}-${prefix ? 'f' : 's'}`;

  it('answers 304 without a body to If-None-Match with the current ETag, weak or strong, keeping ETag and Last-Modified', async () => {
    const { id, versionId, etag, lastModified } = await created(prefix, tag('inm'));
    for (const given of [`W/"${versionId}"`, `"${versionId}"`, `W/"1", W/"${versionId}"`, '*']) {
      const response = await server.http.get(`${prefix}/Patient/${id}`).set('If-None-Match', given).expect(304);
      expect(response.text).toBeFalsy();
      expect(response.headers['content-type']).toBeUndefined();
      expect(response.headers.etag).toBe(etag);
      expect(response.headers['last-modified']).toBe(lastModified);
    }
  });

  it('reads the resource (200) when If-None-Match names only other versions', async () => {
    const { id, versionId } = await created(prefix, tag('inm-old'));
    const updated = await server.http.put(`${prefix}/Patient/${id}`).send(patient({ gender: 'other' })).expect(200);
    const response = await server.http.get(`${prefix}/Patient/${id}`).set('If-None-Match', `W/"${versionId}"`).expect(200);
    expect(response.body.gender).toBe('other');
    expect(response.headers.etag).toBe(updated.headers.etag);
  });

  it('answers 304 to If-Modified-Since not before lastUpdated (the Last-Modified it gave), 200 to an earlier date or one that is not a date', async () => {
    const { id, lastModified } = await created(prefix, tag('ims'));
    await server.http.get(`${prefix}/Patient/${id}`).set('If-Modified-Since', lastModified).expect(304);
    await server.http.get(`${prefix}/Patient/${id}`).set('If-Modified-Since', new Date(Date.now() + 60_000).toUTCString()).expect(304);
    const earlier = new Date(new Date(lastModified).getTime() - 1000).toUTCString();
    expect((await server.http.get(`${prefix}/Patient/${id}`).set('If-Modified-Since', earlier).expect(200)).body.id).toBe(id);
    await server.http.get(`${prefix}/Patient/${id}`).set('If-Modified-Since', 'yesterday at noon').expect(200);
  });

  it('lets If-None-Match decide when both are sent (RFC 9110 §13.2.2)', async () => {
    const { id, lastModified } = await created(prefix, tag('both'));
    await server.http.get(`${prefix}/Patient/${id}`).set('If-None-Match', 'W/"1"').set('If-Modified-Since', lastModified).expect(200);
  });

  it('answers 304 on vread too', async () => {
    const { id, versionId, etag } = await created(prefix, tag('vread'));
    await server.http.put(`${prefix}/Patient/${id}`).send(patient({ gender: 'male' })).expect(200);
    const response = await server.http.get(`${prefix}/Patient/${id}/_history/${versionId}`).set('If-None-Match', etag).expect(304);
    expect(response.headers.etag).toBe(etag);
    await server.http.get(`${prefix}/Patient/${id}/_history/${versionId}`).set('If-None-Match', 'W/"1"').expect(200);
  });

  it('answers 404 and 410 whatever the conditions', async () => {
    await server.http.get(`${prefix}/Patient/${tag('nobody')}`).set('If-None-Match', '*').expect(404);
    const { id, etag } = await created(prefix, tag('gone'));
    await server.http.delete(`${prefix}/Patient/${id}`).expect(200);
    await server.http.get(`${prefix}/Patient/${id}`).set('If-None-Match', etag).expect(410);
  });
});

describe('weak ETags', () => {
  it('are weak on create, read, vread, update, patch and delete, and each names its version', async () => {
    const create = await server.http.post('/fhir/Patient').send(patient()).expect(201);
    const { id } = create.body;
    const weak = (response: { headers: Record<string, string>; body?: { meta?: { versionId?: string } } }) => {
      expect(response.headers.etag).toMatch(/^W\/"\d+"$/);
      if (response.body?.meta?.versionId) expect(response.headers.etag).toBe(`W/"${response.body.meta.versionId}"`);
    };
    weak(create);
    weak(await server.http.get(`/fhir/Patient/${id}`).expect(200));
    weak(await server.http.get(`/fhir/Patient/${id}/_history/${create.body.meta.versionId}`).expect(200));
    weak(await server.http.put(`/fhir/Patient/${id}`).send(patient({ id, gender: 'female' })).expect(200));
    weak(await server.http.patch(`/fhir/Patient/${id}`).set('content-type', 'application/merge-patch+json').send({ active: true }).expect(200));
    weak(await server.http.delete(`/fhir/Patient/${id}`).expect(200));
  });

  it('are weak in batch and transaction entry responses', async () => {
    const transaction = await server.http.post('/fhir').send({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [{ resource: patient({ id: 'weak-tx' }), request: { method: 'PUT', url: 'Patient/weak-tx' } }],
    }).expect(200);
    expect(transaction.body.entry[0].response.etag).toBe(`W/"${transaction.body.entry[0].resource.meta.versionId}"`);
    const batch = await server.http.post('/fhir').send({ resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient/weak-tx' } }] }).expect(200);
    expect(batch.body.entry[0].response.etag).toBe(transaction.body.entry[0].response.etag);
  });

  it('If-Match takes the weak and the strong form of the current ETag, and refuses another version with 412', async () => {
    const { id, versionId } = await created('/fhir', 'if-match-forms');
    const weak = await server.http.put(`/fhir/Patient/${id}`).set('If-Match', `W/"${versionId}"`).send(patient({ id, gender: 'male' })).expect(200);
    const strong = await server.http.put(`/fhir/Patient/${id}`).set('If-Match', `"${weak.body.meta.versionId}"`).send(patient({ id, gender: 'female' })).expect(200);
    await server.http.patch(`/fhir/Patient/${id}`).set('If-Match', `"${versionId}"`).set('content-type', 'application/merge-patch+json').send({ active: true }).expect(412);
    await server.http.delete(`/fhir/Patient/${id}`).set('If-Match', `"${strong.body.meta.versionId}"`).expect(200);
  });
});

describe('conditional reads in a batch', () => {
  it('answers a batch GET entry whose ifNoneMatch names the current version with 304 and no resource', async () => {
    const { etag } = await created('/fhir', 'batch-304');
    const { body } = await server.http.post('/fhir').send({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { request: { method: 'GET', url: 'Patient/batch-304', ifNoneMatch: etag } },
        { request: { method: 'GET', url: 'Patient/batch-304', ifNoneMatch: 'W/"1"' } },
      ],
    }).expect(200);
    expect(body.entry[0]).toEqual({ response: expect.objectContaining({ status: '304 Not Modified', etag }) });
    expect(body.entry[1].response.status).toBe('200 OK');
    expect(body.entry[1].resource.id).toBe('batch-304');
  });
});

describe('fhir-kit-client, a real FHIR client', () => {
  let client: Client;
  beforeAll(async () => {
    const url = await server.listen();
    client = new Client({ baseUrl: `${url}/fhir`, customHeaders: { authorization: `Basic ${Buffer.from(`root:${ROOT_SECRET}`).toString('base64')}` } });
  });

  type Stored = FhirResource & { id: string; meta: { versionId: string }; gender?: string };

  /** fhir-kit-client treats any status outside 2xx as an error; a 304 arrives as one. */
  const statusOf = async (call: Promise<unknown>) => {
    try {
      await call;
      return 200;
    } catch (error) {
      return (error as { response?: { status?: number } }).response?.status;
    }
  };

  it('sees a weak ETag on create and read, and gets 304 when it sends it back as If-None-Match', async () => {
    const made = (await client.create({ resourceType: 'Patient', body: patient() })) as Stored;
    const createdEtag = Client.httpFor(made).response?.headers.get('etag');
    expect(createdEtag).toBe(`W/"${made.meta.versionId}"`);
    const read = await client.read({ resourceType: 'Patient', id: made.id });
    const etag = Client.httpFor(read).response!.headers.get('etag')!;
    expect(etag).toBe(createdEtag);
    expect(Client.httpFor(read).response!.headers.get('content-type')).toBe('application/fhir+json; charset=utf-8');
    expect(await statusOf(client.read({ resourceType: 'Patient', id: made.id, options: { headers: { 'If-None-Match': etag } } }))).toBe(304);
    expect(await statusOf(client.vread({ resourceType: 'Patient', id: made.id, version: made.meta.versionId, options: { headers: { 'If-None-Match': etag } } }))).toBe(304);
    const lastModified = Client.httpFor(read).response!.headers.get('last-modified')!;
    expect(await statusOf(client.read({ resourceType: 'Patient', id: made.id, options: { headers: { 'If-Modified-Since': lastModified } } }))).toBe(304);
  });

  it('reads the new version after an update made with If-Match, and its old ETag no longer matches', async () => {
    const made = (await client.create({ resourceType: 'Patient', body: patient() })) as Stored;
    const etag = Client.httpFor(made).response!.headers.get('etag')!;
    const updated = (await client.update({ resourceType: 'Patient', id: made.id, body: { ...made, gender: 'female' }, options: { headers: { 'If-Match': etag } } })) as Stored;
    expect(Client.httpFor(updated).response!.headers.get('etag')).toBe(`W/"${updated.meta.versionId}"`);
    const fresh = (await client.read({ resourceType: 'Patient', id: made.id, options: { headers: { 'If-None-Match': etag } } })) as Stored;
    expect(fresh.gender).toBe('female');
    expect(await statusOf(client.update({ resourceType: 'Patient', id: made.id, body: made, options: { headers: { 'If-Match': etag } } }))).toBe(412);
  });
});
