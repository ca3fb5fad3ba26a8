import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.http.put('/fhir/Patient/detail-1').send({
    resourceType: 'Patient',
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Ann Detail</div>' },
    name: [{ family: 'Detail', given: ['Ann'] }],
    gender: 'female',
    birthDate: '1970-01-01',
    _birthDate: { extension: [{ url: 'http://example.org/precision', valueString: 'day' }] },
    maritalStatus: { text: 'married' },
    contact: [{ name: { family: 'Kin' } }],
    meta: { tag: [{ system: 'http://example.org/tags', code: 'kept' }] },
  }).expect(201);
  await server.http.put('/fhir/Observation/detail-obs').send({
    resourceType: 'Observation',
    text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Heart rate 70</div>' },
    status: 'final',
    code: { text: 'heart rate' },
    subject: { reference: 'Patient/detail-1' },
    valueQuantity: { value: 70, unit: '/min' },
    interpretation: [{ text: 'normal' }],
    note: [{ text: 'at rest' }],
  }).expect(201);
});
afterAll(async () => {
  await server.close();
});

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED' };
const keys = (resource: Record<string, unknown>) => Object.keys(resource).sort();

describe('the JSON media type of an answer', () => {
  it.each([
    ['application/json', 'application/json'],
    ['application/json, text/plain, */*', 'application/json'],
    ['application/fhir+json', 'application/fhir+json'],
    ['application/json+fhir', 'application/fhir+json'],
    ['*/*', 'application/fhir+json'],
    ['application/fhir+json, application/json', 'application/fhir+json'],
    ['application/json;q=0.5, application/fhir+json', 'application/fhir+json'],
  ])('on /fhir, Accept %j is answered as %s, with the same FHIR JSON', async (accept, contentType) => {
    const response = await server.http.get('/fhir/Patient/detail-1').set('Accept', accept).expect(200);
    expect(response.headers['content-type']).toBe(`${contentType}; charset=utf-8`);
    expect(response.body).toMatchObject({ resourceType: 'Patient', id: 'detail-1', name: [{ family: 'Detail' }] });
  });

  it('on /fhir, no Accept header and _format=json get application/fhir+json; _format=application/json gets application/json', async () => {
    expect((await server.http.get('/fhir/Patient/detail-1').expect(200)).headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    expect((await server.http.get('/fhir/Patient/detail-1?_format=json').set('Accept', 'application/json').expect(200)).headers['content-type']).toBe('application/fhir+json; charset=utf-8');
    expect((await server.http.get('/fhir/Patient/detail-1?_format=application/json').expect(200)).headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('labels errors, searches and writes the same way', async () => {
    const missing = await server.http.get('/fhir/Patient/nobody-here').set('Accept', 'application/json').expect(404);
    expect(missing.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(missing.body.resourceType).toBe('OperationOutcome');
    const search = await server.http.get('/fhir/Patient?_id=detail-1').set('Accept', 'application/json').expect(200);
    expect(search.headers['content-type']).toBe('application/json; charset=utf-8');
    const created = await server.http.post('/fhir/Patient').set('Accept', 'application/json').send({ resourceType: 'Patient' }).expect(201);
    expect(created.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('on the stored-format paths is application/json whatever the client asks', async () => {
    const response = await server.http.get('/Patient/detail-1').set('Accept', 'application/fhir+json').expect(200);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  });
});

describe('PATCH with Content-Type application/json', () => {
  it('merges an object into the resource (RFC 7396), as the reference product does', async () => {
    await server.http.put('/fhir/Patient/merge-json').send({ resourceType: 'Patient', active: true, gender: 'male', name: [{ family: 'Before' }] }).expect(201);
    const { body } = await server.http.patch('/fhir/Patient/merge-json').set('Content-Type', 'application/json').send({ active: null, gender: 'female' }).expect(200);
    expect(body).toMatchObject({ id: 'merge-json', gender: 'female', name: [{ family: 'Before' }] });
    expect(body.active).toBeUndefined();
    const stored = await server.http.patch('/Patient/merge-json').set('Content-Type', 'application/json').send({ birthDate: '2001-02-03' }).expect(200);
    expect(stored.body).toMatchObject({ gender: 'female', birthDate: '2001-02-03' });
  });

  it('applies an array as a JSON Patch (RFC 6902), as the reference product guesses', async () => {
    await server.http.put('/fhir/Patient/array-json').send({ resourceType: 'Patient', gender: 'male' }).expect(201);
    const { body } = await server.http.patch('/fhir/Patient/array-json').set('Content-Type', 'application/json').send([{ op: 'replace', path: '/gender', value: 'other' }]).expect(200);
    expect(body.gender).toBe('other');
  });

  it('validates the result like any write (422) and still refuses other media types (415)', async () => {
    await server.http.put('/fhir/Patient/bad-merge').send({ resourceType: 'Patient' }).expect(201);
    await server.http.patch('/fhir/Patient/bad-merge').set('Content-Type', 'application/json').send({ gender: 'robot' }).expect(422);
    await server.http.patch('/fhir/Patient/bad-merge').set('Content-Type', 'application/fhir+json').send('{}').expect(415);
    await server.http.patch('/fhir/Patient/bad-merge').set('Content-Type', 'text/yaml').send('gender: other').expect(415);
  });
});

describe('bundles with no entries', () => {
  it('a searchset with no matches has no entry key (FHIR JSON has no empty arrays)', async () => {
    for (const path of ['/fhir/Patient?_id=no-such-patient', '/Patient?_id=no-such-patient', '/fhir/Patient?_id=detail-1&_summary=count']) {
      const { body } = await server.http.get(path).expect(200);
      expect(body).toMatchObject({ resourceType: 'Bundle', type: 'searchset' });
      expect(body).not.toHaveProperty('entry');
    }
  });

  it('a history with no versions in range has no entry key', async () => {
    for (const path of ['/fhir/Patient/detail-1/_history?_since=2999-01-01T00:00:00Z', '/fhir/Patient/_history?_since=2999-01-01T00:00:00Z']) {
      const { body } = await server.http.get(path).expect(200);
      expect(body).toMatchObject({ resourceType: 'Bundle', type: 'history' });
      expect(body).not.toHaveProperty('entry');
    }
  });

  it('an empty transaction or batch is answered without an entry key', async () => {
    for (const type of ['transaction', 'batch']) {
      const { body } = await server.http.post('/fhir').send({ resourceType: 'Bundle', type }).expect(200);
      expect(body).toEqual({ resourceType: 'Bundle', type: `${type}-response` });
    }
  });
});

describe('_summary', () => {
  it('true keeps the summary elements of the definitions, with id and meta, and tags the resource SUBSETTED', async () => {
    const { body } = await server.http.get('/fhir/Patient/detail-1?_summary=true').expect(200);
    expect(keys(body)).toEqual(['_birthDate', 'birthDate', 'gender', 'id', 'meta', 'name', 'resourceType']);
    expect(body.meta.tag).toEqual([{ system: 'http://example.org/tags', code: 'kept' }, SUBSETTED]);
    expect(body.meta.versionId).toMatch(/^\d+$/);
  });

  it('true keeps a summary choice element under its typed name (valueQuantity)', async () => {
    const { body } = await server.http.get('/fhir/Observation/detail-obs?_summary=true').expect(200);
    expect(keys(body)).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'subject', 'valueQuantity']);
  });

  it('text keeps the narrative, id, meta and the mandatory elements', async () => {
    const observation = await server.http.get('/fhir/Observation/detail-obs?_summary=text').expect(200);
    expect(keys(observation.body)).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'text']);
    expect(observation.body.meta.tag).toContainEqual(SUBSETTED);
    const patient = await server.http.get('/fhir/Patient/detail-1?_summary=text').expect(200);
    expect(keys(patient.body)).toEqual(['id', 'meta', 'resourceType', 'text']);
  });

  it('data keeps everything but the narrative; false keeps everything and tags nothing', async () => {
    const data = await server.http.get('/fhir/Patient/detail-1?_summary=data').expect(200);
    expect(data.body.text).toBeUndefined();
    expect(data.body.contact).toEqual([{ name: { family: 'Kin' } }]);
    expect(data.body.meta.tag).toContainEqual(SUBSETTED);
    const whole = await server.http.get('/fhir/Patient/detail-1?_summary=false').expect(200);
    const plain = await server.http.get('/fhir/Patient/detail-1').expect(200);
    expect(whole.body).toEqual(plain.body);
    expect(whole.body.meta.tag).toEqual([{ system: 'http://example.org/tags', code: 'kept' }]);
  });

  it('applies to every match of a search, and the links keep it', async () => {
    const { body } = await server.http.get('/fhir/Observation?subject=Patient/detail-1&_summary=true').expect(200);
    expect(body.entry).toHaveLength(1);
    expect(keys(body.entry[0].resource)).toEqual(['code', 'id', 'meta', 'resourceType', 'status', 'subject', 'valueQuantity']);
    expect(body.entry[0].resource.meta.tag).toContainEqual(SUBSETTED);
    expect(body.link[0].url).toContain('_summary=true');
    const stored = await server.http.get('/Patient?_id=detail-1&_summary=data').expect(200);
    expect(stored.body.entry[0].resource.text).toBeUndefined();
    expect(stored.body.entry[0].resource.gender).toBe('female');
  });

  it('works on vread, and _elements works on read (keeping the mandatory elements)', async () => {
    const { body: current } = await server.http.get('/fhir/Observation/detail-obs').expect(200);
    const version = await server.http.get(`/fhir/Observation/detail-obs/_history/${current.meta.versionId}?_summary=true`).expect(200);
    expect(version.body.note).toBeUndefined();
    const elements = await server.http.get('/fhir/Observation/detail-obs?_elements=note').expect(200);
    expect(keys(elements.body)).toEqual(['code', 'id', 'meta', 'note', 'resourceType', 'status']);
    expect(elements.body.meta.tag).toContainEqual(SUBSETTED);
  });

  it('refuses an unknown mode, count on a read, a repeated _summary, and _summary with _elements (400)', async () => {
    for (const path of [
      '/fhir/Patient/detail-1?_summary=yes',
      '/fhir/Patient?_summary=yes',
      '/fhir/Patient/detail-1?_summary=count',
      '/fhir/Patient/detail-1?_summary=true&_summary=data',
      '/fhir/Patient/detail-1?_summary=true&_elements=gender',
      '/fhir/Patient?_summary=true&_elements=gender',
    ]) {
      const { body } = await server.http.get(path).expect(400);
      expect(body.resourceType).toBe('OperationOutcome');
    }
  });
});
