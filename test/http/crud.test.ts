import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import YAML from 'yaml';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const patient = (extra: Record<string, unknown> = {}) => ({ resourceType: 'Patient', name: [{ family: 'Smith', given: ['Ann'] }], gender: 'female', ...extra });

describe.each([
  ['/fhir', 'FHIR format'],
  ['', 'stored format'],
])('CRUD on %s (%s)', (prefix) => {
  it('creates with 201, Location, ETag and Last-Modified, and reads it back', async () => {
    const created = await server.http.post(`${prefix}/Patient`).send(patient()).expect(201);
    const { id, meta } = created.body;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.headers.location).toBe(`http://localhost:8080${prefix}/Patient/${id}/_history/${meta.versionId}`);
    expect(created.headers.etag).toBe(`W/"${meta.versionId}"`);
    expect(new Date(created.headers['last-modified']).getTime()).toBeGreaterThan(0);
    const read = await server.http.get(`${prefix}/Patient/${id}`).expect(200);
    expect(read.body).toMatchObject({ resourceType: 'Patient', id, name: [{ family: 'Smith', given: ['Ann'] }] });
    expect(read.body.meta.versionId).toBe(meta.versionId);
    expect(read.headers.etag).toBe(`W/"${meta.versionId}"`);
  });

  it('returns the creation time as meta.createdAt (stored) or the createdAt extension (FHIR)', async () => {
    const { body } = await server.http.post(`${prefix}/Patient`).send(patient()).expect(201);
    if (prefix === '/fhir') {
      expect(body.meta.extension).toContainEqual({ url: 'https://aidbox.app/ex/createdAt', valueInstant: body.meta.lastUpdated });
      expect(body.meta.createdAt).toBeUndefined();
    } else {
      expect(body.meta.createdAt).toBe(body.meta.lastUpdated);
    }
  });

  it('keeps a client-supplied id on create and answers 409 for a duplicate', async () => {
    const id = `keep-${prefix ? 'f' : 's'}-1`;
    await server.http.post(`${prefix}/Patient`).send(patient({ id })).expect(201);
    const duplicate = await server.http.post(`${prefix}/Patient`).send(patient({ id })).expect(409);
    expect(duplicate.body.resourceType).toBe('OperationOutcome');
    expect(duplicate.body.issue[0].code).toBe('duplicate');
  });

  it('updates with PUT, creating when the id is new', async () => {
    const id = `put-${prefix ? 'f' : 's'}`;
    const first = await server.http.put(`${prefix}/Patient/${id}`).send(patient()).expect(201);
    const second = await server.http.put(`${prefix}/Patient/${id}`).send(patient({ gender: 'male' })).expect(200);
    expect(Number(second.body.meta.versionId)).toBeGreaterThan(Number(first.body.meta.versionId));
    expect(second.body.gender).toBe('male');
    expect(second.body.meta.lastUpdated >= first.body.meta.lastUpdated).toBe(true);
  });

  it('answers 412 when If-Match names another version', async () => {
    const { body } = await server.http.post(`${prefix}/Patient`).send(patient()).expect(201);
    await server.http.put(`${prefix}/Patient/${body.id}`).set('If-Match', 'W/"1"').send(patient()).expect(412);
    await server.http.put(`${prefix}/Patient/${body.id}`).set('If-Match', `W/"${body.meta.versionId}"`).send(patient()).expect(200);
  });

  it('reads an old version with vread', async () => {
    const { body } = await server.http.post(`${prefix}/Patient`).send(patient()).expect(201);
    await server.http.put(`${prefix}/Patient/${body.id}`).send(patient({ gender: 'other' })).expect(200);
    const old = await server.http.get(`${prefix}/Patient/${body.id}/_history/${body.meta.versionId}`).expect(200);
    expect(old.body.gender).toBe('female');
    await server.http.get(`${prefix}/Patient/${body.id}/_history/999999999`).expect(404);
    await server.http.get(`${prefix}/Patient/${body.id}/_history/abc`).expect(404);
  });

  it('deletes with 200 and the resource, then reads 410, then deletes again with 204', async () => {
    const { body } = await server.http.post(`${prefix}/Patient`).send(patient()).expect(201);
    const deleted = await server.http.delete(`${prefix}/Patient/${body.id}`).expect(200);
    expect(deleted.body).toMatchObject({ resourceType: 'Patient', id: body.id, gender: 'female' });
    const gone = await server.http.get(`${prefix}/Patient/${body.id}`).expect(410);
    expect(gone.body.issue[0].code).toBe('deleted');
    await server.http.delete(`${prefix}/Patient/${body.id}`).expect(204);
  });

  it('creates again under a deleted id, recorded as recreated', async () => {
    const id = `again-${prefix ? 'f' : 's'}`;
    await server.http.put(`${prefix}/Patient/${id}`).send(patient()).expect(201);
    await server.http.delete(`${prefix}/Patient/${id}`).expect(200);
    await server.http.put(`${prefix}/Patient/${id}`).send(patient()).expect(201);
    const [row] = await server.sql<{ status: string }>('select status from patient where id = $1', [id]);
    expect(row.status).toBe('recreated');
  });

  it('answers 404 for an unknown id and an unknown type', async () => {
    const missing = await server.http.get(`${prefix}/Patient/nope`).expect(404);
    expect(missing.body.issue[0].code).toBe('not-found');
    const unknownType = await server.http.get(`${prefix}/Spaceship/1`).expect(404);
    expect(unknownType.body.issue[0].diagnostics).toContain('Spaceship');
    await server.http.delete(`${prefix}/Patient/never-was`).expect(404);
  });

  it('answers 405 with Allow for a method the path does not support', async () => {
    const response = await server.http.post(`${prefix}/Patient/some-id`).send(patient()).expect(405);
    expect(response.headers.allow).toBe('GET, PUT, PATCH, DELETE');
    expect(response.body.resourceType).toBe('OperationOutcome');
  });

  it('honours Prefer: return=minimal and return=OperationOutcome', async () => {
    const minimal = await server.http.post(`${prefix}/Patient`).set('Prefer', 'return=minimal').send(patient()).expect(201);
    expect(minimal.text).toBe('');
    expect(minimal.headers.location).toBeDefined();
    const outcome = await server.http.post(`${prefix}/Patient`).set('Prefer', 'return=OperationOutcome').send(patient()).expect(201);
    expect(outcome.body.resourceType).toBe('OperationOutcome');
  });

  it('creates conditionally with If-None-Exist: 0 matches create, 1 returns it, 2 or more is 412', async () => {
    const id = `cond-${prefix ? 'f' : 's'}`;
    const made = await server.http.post(`${prefix}/Patient`).set('If-None-Exist', `_id=${id}`).send(patient({ id })).expect(201);
    const found = await server.http.post(`${prefix}/Patient`).set('If-None-Exist', `_id=${id}`).send(patient({ id })).expect(200);
    expect(found.body.meta.versionId).toBe(made.body.meta.versionId);
    await server.http.put(`${prefix}/Patient/${id}-2`).send(patient()).expect(201);
    await server.http.post(`${prefix}/Patient`).set('If-None-Exist', `_id=${id},${id}-2`).send(patient()).expect(412);
  });

  it('speaks YAML both ways', async () => {
    const yaml = YAML.stringify(patient());
    const created = await server.http.post(`${prefix}/Patient`).set('Content-Type', 'text/yaml').set('Accept', 'text/yaml').send(yaml).expect(201);
    expect(created.headers['content-type']).toMatch(/^text\/yaml/);
    const parsed = YAML.parse(created.text);
    expect(parsed.name[0].family).toBe('Smith');
    const asJson = await server.http.get(`${prefix}/Patient/${parsed.id}?_format=json`).expect(200);
    expect(asJson.body.id).toBe(parsed.id);
    const asYaml = await server.http.get(`${prefix}/Patient/${parsed.id}?_format=yaml`).expect(200);
    expect(YAML.parse(asYaml.text).id).toBe(parsed.id);
  });

  it('answers 406 when Accept takes neither JSON nor YAML, and JSON to a wildcard or no Accept', async () => {
    const { body: created } = await server.http.post(`${prefix}/Patient`).send(patient()).expect(201);
    const refused = await server.http.get(`${prefix}/Patient/${created.id}`).set('accept', 'application/fhir+xml').expect(406);
    expect(refused.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-supported' }] });
    await server.http.get(`${prefix}/Patient/${created.id}`).set('accept', 'application/json;q=0, application/xml').expect(406);
    for (const accept of ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', 'application/fhir+json; fhirVersion=4.0', 'application/json+fhir', 'application/*']) {
      const { body } = await server.http.get(`${prefix}/Patient/${created.id}`).set('accept', accept).expect(200);
      expect(body.id).toBe(created.id);
    }
  });

  it('answers errors in YAML when YAML was asked for', async () => {
    const response = await server.http.get(`${prefix}/Patient/nope`).set('Accept', 'text/yaml').expect(404);
    expect(YAML.parse(response.text).resourceType).toBe('OperationOutcome');
  });
});

describe('references', () => {
  it('stores references as {id, resourceType} and shows them as {reference} on /fhir', async () => {
    await server.http.put('/fhir/Practitioner/doc-1').send({ resourceType: 'Practitioner' }).expect(201);
    const { body } = await server.http
      .post('/fhir/Patient')
      .send(patient({ generalPractitioner: [{ reference: 'Practitioner/doc-1', display: 'Dr' }] }))
      .expect(201);
    expect(body.generalPractitioner).toEqual([{ reference: 'Practitioner/doc-1', display: 'Dr' }]);
    const [row] = await server.sql<{ ref: unknown }>(`select resource->'generalPractitioner'->0 as ref from patient where id = $1`, [body.id]);
    expect(row.ref).toEqual({ id: 'doc-1', resourceType: 'Practitioner', display: 'Dr' });
    const stored = await server.http.get(`/Patient/${body.id}`).expect(200);
    expect(stored.body.generalPractitioner).toEqual([{ id: 'doc-1', resourceType: 'Practitioner', display: 'Dr' }]);
  });

  it('keeps absolute, urn:uuid and #contained references unchanged through a round trip', async () => {
    const references = {
      contained: [{ resourceType: 'Organization', id: 'org1', name: 'Inner' }],
      managingOrganization: { reference: '#org1' },
      generalPractitioner: [{ reference: 'http://example.org/fhir/Practitioner/9' }, { reference: 'urn:uuid:0b4f6d12-3c7e-4d5a-9e1f-2a3b4c5d6e7f' }],
    };
    const { body } = await server.http.post('/fhir/Patient').send(patient(references)).expect(201);
    expect(body).toMatchObject(references);
  });
});

describe('validation', () => {
  it('rejects a Role without user with 422 naming Role.user', async () => {
    const response = await server.http.post('/Role').send({ resourceType: 'Role', name: 'doctor' }).expect(422);
    expect(response.body.resourceType).toBe('OperationOutcome');
    expect(response.body.issue).toContainEqual(expect.objectContaining({ code: 'invalid', expression: ['Role.user'] }));
  });

  it('rejects a reference to a type the field does not allow', async () => {
    const response = await server.http.post('/Role').send({ name: 'doctor', user: { id: 'x', resourceType: 'Patient' } }).expect(422);
    expect(response.body.issue[0].expression).toEqual(['Role.user']);
    expect(response.body.issue[0].diagnostics).toMatch(/User/);
  });

  it('reports one issue per problem: an unknown field, a null, a wrong type and a value outside an enum', async () => {
    const response = await server.http
      .post('/fhir/Patient')
      .send({ resourceType: 'Patient', colour: 'blue', birthDate: null, active: 'yes', gender: 'robot' })
      .expect(422);
    const expressions = response.body.issue.map((issue: { expression: string[] }) => issue.expression[0]);
    expect(expressions).toEqual(expect.arrayContaining(['Patient.colour', 'Patient.birthDate', 'Patient.active', 'Patient.gender']));
    for (const issue of response.body.issue) expect(issue.diagnostics).not.toMatch(/must NOT have/);
  });

  it('rejects a TokenIntrospector type outside opaque | jwt | aspxauth', async () => {
    const response = await server.http.post('/TokenIntrospector').send({ type: 'magic' }).expect(422);
    expect(response.body.issue[0].expression).toEqual(['TokenIntrospector.type']);
  });

  it('rejects a body whose resourceType differs from the URL, and an id that differs on update', async () => {
    await server.http.post('/fhir/Patient').send({ resourceType: 'Observation' }).expect(400);
    await server.http.put('/fhir/Patient/a1').send(patient({ id: 'b2' })).expect(400);
    await server.http.put('/fhir/Patient/bad$id').send(patient()).expect(400);
  });

  it('writes nothing when validation fails', async () => {
    await server.http.put('/fhir/Patient/never-valid').send(patient({ gender: 'robot' })).expect(422);
    expect(await server.sql('select 1 from patient_history where id = $1', ['never-valid'])).toHaveLength(0);
  });
});

describe('errors', () => {
  it('answers malformed JSON with 400 and an OperationOutcome', async () => {
    const response = await server.http.post('/fhir/Patient').set('Content-Type', 'application/json').send('{"resourceType": ').expect(400);
    expect(response.body.issue[0].diagnostics).toMatch(/^Malformed JSON/);
  });

  it('answers malformed YAML with 400', async () => {
    const response = await server.http.post('/Patient').set('Content-Type', 'text/yaml').send('name: [unclosed\n  - x: : y').expect(400);
    expect(response.body.issue[0].diagnostics).toMatch(/^Malformed YAML/);
  });

  it('answers an unsupported media type with 415', async () => {
    await server.http.post('/fhir/Patient').set('Content-Type', 'application/xml').send('<Patient/>').expect(415);
  });

  it('answers a body over the limit with 413', async () => {
    const small = await startTestServer({ BOX_HTTP_MAX_BODY_SIZE: '1kb' });
    try {
      const response = await small.http.post('/fhir/Patient').send(patient({ text: { status: 'generated', div: `<div>${'x'.repeat(4000)}</div>` } })).expect(413);
      expect(response.body.resourceType).toBe('OperationOutcome');
    } finally {
      await small.close();
    }
  });

  it('answers a bad If-Match with 400 and a bad _format with 400', async () => {
    await server.http.put('/fhir/Patient/x1').set('If-Match', 'nonsense').send(patient()).expect(400);
    await server.http.get('/fhir/Patient/x1?_format=xml').expect(400);
  });
});

describe('history', () => {
  it('lists instance history newest first with deletions and request methods', async () => {
    const id = 'hist-1';
    await server.http.put(`/fhir/Patient/${id}`).send(patient()).expect(201);
    await server.http.put(`/fhir/Patient/${id}`).send(patient({ gender: 'male' })).expect(200);
    await server.http.delete(`/fhir/Patient/${id}`).expect(200);
    const { body } = await server.http.get(`/fhir/Patient/${id}/_history`).expect(200);
    expect(body).toMatchObject({ resourceType: 'Bundle', type: 'history' });
    expect(body.entry.map((entry: { request: { method: string } }) => entry.request.method)).toEqual(['DELETE', 'PUT', 'POST']);
    expect(body.entry[0].resource).toBeUndefined();
    expect(body.entry[1].resource.gender).toBe('male');
    const [{ count }] = await server.sql<{ count: number }>('select count(*)::int as count from patient_history where id = $1', [id]);
    expect(count).toBe(3);
  });

  it('answers 404 for the history of an id that never existed, and an empty page for one with no versions since _since', async () => {
    for (const prefix of ['/fhir', '']) {
      const { body } = await server.http.get(`${prefix}/Patient/never-existed/_history`).expect(404);
      expect(body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'not-found' }] });
    }
    await server.http.put('/fhir/Patient/hist-2').send(patient()).expect(201);
    const later = await server.http.get('/fhir/Patient/hist-2/_history?_since=2999-01-01T00:00:00Z').expect(200);
    expect(later.body).not.toHaveProperty('entry');
  });

  it('pages type history with _count and a next link, and filters with _since', async () => {
    for (let i = 0; i < 3; i++) await server.http.post('/Practitioner').send({ resourceType: 'Practitioner' }).expect(201);
    const first = await server.http.get('/Practitioner/_history?_count=2').expect(200);
    expect(first.body.entry).toHaveLength(2);
    const next = first.body.link.find((link: { relation: string }) => link.relation === 'next');
    expect(next).toBeDefined();
    const second = await server.http.get(new URL(next.url).pathname + new URL(next.url).search).expect(200);
    expect(Number(second.body.entry[0].response.etag.match(/\d+/)[0])).toBeLessThan(Number(first.body.entry[1].response.etag.match(/\d+/)[0]));
    const future = await server.http.get('/Practitioner/_history?_since=2999-01-01T00:00:00Z').expect(200);
    expect(future.body).not.toHaveProperty('entry');
    await server.http.get('/Practitioner/_history?_since=yesterday').expect(400);
  });
});

describe('storage contract', () => {
  it('has a table and a history twin for every known type before any write', async () => {
    const tables = await server.sql<{ table_name: string }>(
      `select table_name from information_schema.tables where table_schema = 'public' and table_name in ('session', 'session_history', 'accesspolicy', 'observation_history')`,
    );
    expect(tables.map((row) => row.table_name).sort()).toEqual(['accesspolicy', 'observation_history', 'session', 'session_history']);
  });

  it('answers the operator query on the session table', async () => {
    await server.http.post('/Session').send({ user: { id: 'u1', resourceType: 'User' }, type: 'password' }).expect(201);
    const rows = await server.sql<{ cts: Date; user_id: string }>(`select cts, resource#>>'{user,id}' as user_id from session order by cts desc limit 10`);
    expect(rows[0].user_id).toBe('u1');
  });

  it('keeps id, resourceType and version in columns, not in the JSONB', async () => {
    const { body } = await server.http.post('/fhir/Patient').send(patient({ meta: { tag: [{ code: 't' }], versionId: '77' } })).expect(201);
    const [row] = await server.sql<{ resource: Record<string, unknown>; resource_type: string; txid: number }>('select resource, resource_type, txid from patient where id = $1', [body.id]);
    expect(row.resource.id).toBeUndefined();
    expect(row.resource.resourceType).toBeUndefined();
    expect(row.resource.meta).toEqual({ tag: [{ code: 't' }] });
    expect(row.resource_type).toBe('Patient');
    expect(String(row.txid)).toBe(body.meta.versionId);
  });

  it('presents resourceType, id and meta first, from the columns even when SQL put an id or resourceType into the JSONB', async () => {
    await server.http.put('/fhir/Patient/stray').send(patient()).expect(201);
    await server.sql(`update patient set resource = resource || '{"id": "other", "resourceType": "Observation"}' where id = 'stray'`);
    for (const prefix of ['/fhir', '']) {
      const { body } = await server.http.get(`${prefix}/Patient/stray`).expect(200);
      expect(Object.keys(body).slice(0, 3)).toEqual(['resourceType', 'id', 'meta']);
      expect(body).toMatchObject({ resourceType: 'Patient', id: 'stray', name: [{ family: 'Smith', given: ['Ann'] }] });
    }
  });
});
