import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.http.put('/fhir/Patient/existing').send({ resourceType: 'Patient', gender: 'female' }).expect(201);
});
afterAll(async () => {
  await server.close();
});

interface Issue {
  severity: string;
  code: string;
  diagnostics: string;
  expression?: string[];
}
const issuesOf = (body: { resourceType: string; issue: Issue[] }) => {
  expect(body.resourceType).toBe('OperationOutcome');
  return body.issue;
};
const validate = async (path: string, body?: unknown) => {
  const request = server.http.post(path);
  const response = await (body === undefined ? request : request.send(body as object)).expect(200);
  return issuesOf(response.body);
};
const parameters = (...parameter: Array<Record<string, unknown>>) => ({ resourceType: 'Parameters', parameter });

/** Every version ever written, and the next version number: a write changes one or the other. */
async function storeState() {
  const [{ versions }] = await server.sql<{ versions: number }>('select (select count(*) from patient_history) + (select count(*) from accesspolicy_history) as versions');
  const [{ last }] = await server.sql<{ last: string }>('select last_value as last from txid_seq');
  return { versions, last };
}

describe('POST /fhir/<Type>/$validate (FHIR operation-resource-validate)', () => {
  it('answers 200 with one informational issue for a valid resource', async () => {
    const issues = await validate('/fhir/Patient/$validate', { resourceType: 'Patient', name: [{ family: 'Valid' }], gender: 'male' });
    expect(issues).toEqual([{ severity: 'information', code: 'informational', diagnostics: expect.stringMatching(/valid/) }]);
  });

  it('answers 200 with every problem of an invalid resource, each naming its element', async () => {
    const issues = await validate('/fhir/Patient/$validate', { resourceType: 'Patient', gender: 'robot', birthDate: 'yesterday', nickname: 'x' });
    expect(issues.length).toBeGreaterThanOrEqual(3);
    for (const issue of issues) expect(issue.severity).toBe('error');
    const expressions = issues.flatMap((issue) => issue.expression ?? []);
    expect(expressions).toEqual(expect.arrayContaining(['Patient.gender', 'Patient.birthDate']));
    // A resource of another type than the URL's is a problem of the resource, not of the request.
    const wrongType = await validate('/fhir/Patient/$validate', { resourceType: 'Observation' });
    expect(wrongType[0]).toMatchObject({ severity: 'error', diagnostics: expect.stringMatching(/Observation/) });
  });

  it('takes a Parameters body with resource and mode, and notes that a profile is not checked', async () => {
    const valid = await validate('/fhir/Patient/$validate', parameters({ name: 'resource', resource: { resourceType: 'Patient', gender: 'other' } }, { name: 'mode', valueCode: 'create' }));
    expect(valid).toEqual([expect.objectContaining({ severity: 'information', code: 'informational' })]);
    const invalid = await validate('/fhir/Patient/$validate', parameters({ name: 'resource', resource: { resourceType: 'Patient', gender: 'robot' } }));
    expect(invalid).toEqual([expect.objectContaining({ severity: 'error', expression: ['Patient.gender'] })]);
    const profiled = await validate('/fhir/Patient/$validate?profile=http://example.org/StructureDefinition/my-patient', { resourceType: 'Patient' });
    expect(profiled.map((issue) => issue.severity)).toEqual(['information', 'warning']);
    expect(profiled[1]).toMatchObject({ code: 'not-supported', diagnostics: expect.stringMatching(/my-patient.*not checked/) });
  });

  it('mode=create reports an id that is already taken, as a create would refuse it', async () => {
    const issues = await validate('/fhir/Patient/$validate?mode=create', { resourceType: 'Patient', id: 'existing' });
    expect(issues).toEqual([expect.objectContaining({ severity: 'error', code: 'duplicate' })]);
    expect((await validate('/fhir/Patient/$validate?mode=create', { resourceType: 'Patient', id: 'free-id' }))[0].code).toBe('informational');
  });

  it('mode=update checks that the resource id matches the id in the URL', async () => {
    const matching = await validate('/fhir/Patient/existing/$validate?mode=update', { resourceType: 'Patient', id: 'existing', gender: 'male' });
    expect(matching[0].code).toBe('informational');
    const mismatch = await validate('/fhir/Patient/existing/$validate', parameters({ name: 'mode', valueCode: 'update' }, { name: 'resource', resource: { resourceType: 'Patient', id: 'someone-else' } }));
    expect(mismatch).toEqual([expect.objectContaining({ severity: 'error', diagnostics: expect.stringMatching(/'someone-else' does not match the id 'existing'/) })]);
    const noId = await validate('/fhir/Patient/$validate?mode=update', { resourceType: 'Patient' });
    expect(noId).toEqual([expect.objectContaining({ severity: 'error', code: 'required' })]);
  });

  it('mode=delete checks that the resource exists (references to it are not looked for)', async () => {
    expect((await validate('/fhir/Patient/existing/$validate?mode=delete'))[0].code).toBe('informational');
    const missing = await validate('/fhir/Patient/no-such-patient/$validate?mode=delete');
    expect(missing).toEqual([{ severity: 'error', code: 'not-found', diagnostics: 'Patient/no-such-patient does not exist' }]);
    await server.http.put('/fhir/Patient/deleted-one').send({ resourceType: 'Patient' }).expect(201);
    await server.http.delete('/fhir/Patient/deleted-one').expect(200);
    expect((await validate('/fhir/Patient/deleted-one/$validate', parameters({ name: 'mode', valueCode: 'delete' })))[0].diagnostics).toMatch(/already deleted/);
  });

  it('judges what the write hooks judge: an AccessPolicy that cannot work is reported, not stored', async () => {
    const issues = await validate('/AccessPolicy/$validate', { engine: 'matcho', matcho: { uri: '#[unclosed' } });
    expect(issues[0]).toMatchObject({ severity: 'error', diagnostics: expect.stringMatching(/This AccessPolicy cannot work/) });
  });

  it('writes nothing, valid or not, in any mode', async () => {
    const before = await storeState();
    await validate('/fhir/Patient/$validate', { resourceType: 'Patient', id: 'never-stored' });
    await validate('/fhir/Patient/$validate?mode=create', { resourceType: 'Patient', id: 'never-stored' });
    await validate('/fhir/Patient/existing/$validate?mode=update', { resourceType: 'Patient', gender: 'unknown' });
    await validate('/fhir/Patient/existing/$validate?mode=delete');
    await validate('/Patient/$validate', { gender: 'robot' });
    await validate('/AccessPolicy/$validate', { engine: 'allow' });
    expect(await storeState()).toEqual(before);
    await server.http.get('/fhir/Patient/never-stored').expect(404);
    expect((await server.http.get('/fhir/Patient/existing').expect(200)).body.gender).toBe('female');
  });

  it('serves the stored format on /<Type>/$validate, with references as {id, resourceType}', async () => {
    const ok = await validate('/Observation/$validate', { status: 'final', code: { text: 'x' }, subject: { id: 'existing', resourceType: 'Patient' } });
    expect(ok[0].code).toBe('informational');
    const bad = await validate('/Observation/$validate', { status: 'final', code: { text: 'x' }, subject: 'Patient/existing' });
    expect(bad[0]).toMatchObject({ severity: 'error', expression: ['Observation.subject'] });
  });

  it('answers 4xx only when the validation itself cannot run', async () => {
    await server.http.post('/fhir/Patient/$validate?mode=sideways').send({ resourceType: 'Patient' }).expect(400);
    await server.http.post('/fhir/Patient/$validate?mode=profile').send({ resourceType: 'Patient' }).expect(400);
    await server.http.post('/fhir/Patient/$validate?color=blue').send({ resourceType: 'Patient' }).expect(400);
    await server.http.post('/fhir/Patient/$validate').send(parameters({ name: 'strictness', valueCode: 'high' })).expect(400);
    await server.http.post('/fhir/Patient/$validate').expect(400);
    await server.http.post('/fhir/Patient/$validate?mode=delete').expect(400);
    await server.http.post('/fhir/Patient/existing/$validate?mode=create').send({ resourceType: 'Patient' }).expect(400);
    await server.http.get('/fhir/Patient/$validate').expect(405);
    await server.http.post('/fhir/NoSuchType/$validate').send({}).expect(404);
  });
});

describe('the CapabilityStatement', () => {
  it('lists $validate on every type, with the official OperationDefinition', async () => {
    const { body } = await server.anonymous.get('/fhir/metadata').expect(200);
    for (const resource of body.rest[0].resource) {
      expect(resource.operation).toEqual([{ name: 'validate', definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate' }]);
    }
  });
});

describe('who may validate', () => {
  it('needs the FhirValidate operation (Validate on the stored-format paths), not FhirCreate', async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    const allow = (operation: string) =>
      server.http.put(`/AccessPolicy/validate-${operation}`).send({ engine: 'matcho', link: [{ id: operation, resourceType: 'Operation' }], matcho: { client: { id: client.id } } }).expect(201);
    const post = (path: string) => server.anonymous.post(path).auth(client.id, client.secret).send({ resourceType: 'Patient' });
    await allow('FhirCreate');
    await post('/fhir/Patient/$validate').expect(403);
    await allow('FhirValidate');
    await post('/fhir/Patient/$validate').expect(200);
    await post('/fhir/Patient/existing/$validate').expect(200);
    await post('/Patient/$validate').expect(403);
    await allow('Validate');
    await post('/Patient/$validate').expect(200);
    await server.anonymous.post('/fhir/Patient/$validate').send({ resourceType: 'Patient' }).expect(401);
  });
});
