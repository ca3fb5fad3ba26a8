import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;

async function put(path: string, body: Record<string, unknown>): Promise<void> {
  const response = await server.http.put(path).send(body);
  if (response.status >= 300) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
}

const observation = (id: string, subject: string, performer: string[], code = '8867-4') => put(`/fhir/Observation/${id}`, {
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code }] },
  subject: { reference: subject },
  ...(performer.length ? { performer: performer.map((reference) => ({ reference })) } : {}),
});

type Searchset = { total?: number; link: Array<{ relation: string; url: string }>; entry?: Array<{ fullUrl: string; resource: { id: string } }> };
/** The matches' ids; a searchset without matches may leave `entry` out. */
const idsOf = (bundle: Searchset) => (bundle.entry ?? []).map((entry) => entry.resource.id).sort();
const search = async (url: string) => (await server.http.get(url).expect(200)).body as Searchset;

beforeAll(async () => {
  server = await startTestServer();
  await put('/fhir/Patient/ann', { resourceType: 'Patient', name: [{ family: 'Smith' }] });
  await put('/fhir/Patient/bob', { resourceType: 'Patient', name: [{ family: 'Jones' }] });
  await put('/fhir/Patient/cid', { resourceType: 'Patient', link: [{ other: { reference: 'Patient/ann' }, type: 'seealso' }] });
  await put('/fhir/Practitioner/doc', { resourceType: 'Practitioner' });
  await observation('by-subject', 'Patient/ann', ['Practitioner/doc']);
  await observation('by-performer', 'Patient/bob', ['Practitioner/doc', 'Patient/ann']);
  await observation('other-code', 'Patient/ann', [], '8310-5');
  await observation('bobs-only', 'Patient/bob', ['Practitioner/doc']);
  // A subject of another type with the same id is not the patient.
  await observation('group-ann', 'Group/ann', []);
});
afterAll(async () => {
  await server.close();
});

describe('GET /fhir/Patient/<id>/<Type>: search in the Patient compartment', () => {
  it('finds the Observations whose subject is the patient and those the patient performed (the definition lists subject and performer)', async () => {
    const bundle = await search('/fhir/Patient/ann/Observation');
    expect(idsOf(bundle)).toEqual(['by-performer', 'by-subject', 'other-code']);
    expect(bundle.entry![0].fullUrl).toMatch(/^http:\/\/localhost:8080\/fhir\/Observation\//);
    expect(idsOf(await search('/fhir/Patient/bob/Observation'))).toEqual(['bobs-only', 'by-performer']);
  });

  it("ANDs the caller's own parameters with the compartment", async () => {
    expect(idsOf(await search('/fhir/Patient/ann/Observation?code=http://loinc.org|8310-5'))).toEqual(['other-code']);
    expect(idsOf(await search('/fhir/Patient/ann/Observation?subject=Patient/bob'))).toEqual(['by-performer']);
    expect(idsOf(await search('/fhir/Patient/ann/Observation?_id=bobs-only,by-subject'))).toEqual(['by-subject']);
    expect(idsOf(await search('/fhir/Patient/ann/Observation?code=http://loinc.org|0000-0'))).toEqual([]);
  });

  it('pages and counts within the compartment, with links that stay in it', async () => {
    const first = await search('/fhir/Patient/ann/Observation?_count=2&_total=accurate');
    expect(first.total).toBe(3);
    expect(idsOf(first)).toHaveLength(2);
    const next = first.link.find((link) => link.relation === 'next')!.url;
    expect(next).toBe('http://localhost:8080/fhir/Patient/ann/Observation?_total=accurate&_count=2&_page=2');
    const second = await search(new URL(next).pathname + new URL(next).search);
    expect(idsOf(second)).toHaveLength(1);
    expect([...idsOf(first), ...idsOf(second)].sort()).toEqual(['by-performer', 'by-subject', 'other-code']);
    const { body } = await server.http.get('/fhir/Patient/ann/Observation?_summary=count').expect(200);
    expect(body.total).toBe(3);
  });

  it('serves the stored format on /Patient/<id>/<Type> the same way', async () => {
    const bundle = await search('/Patient/ann/Observation?_count=10');
    expect(idsOf(bundle)).toEqual(['by-performer', 'by-subject', 'other-code']);
    expect(bundle.entry![0].fullUrl).toMatch(/^http:\/\/localhost:8080\/Observation\//);
    expect(bundle.link[0].url).toBe('http://localhost:8080/Patient/ann/Observation?_count=10&_page=1');
  });

  it("follows the definition for other types too: a Patient is in ann's compartment when it links to ann", async () => {
    expect(idsOf(await search('/fhir/Patient/ann/Patient'))).toEqual(['cid']);
  });

  it('answers an empty searchset for a patient with nothing in its compartment, or none at all', async () => {
    expect(idsOf(await search('/fhir/Patient/nobody/Observation'))).toEqual([]);
  });

  it('answers 404 for a type outside the compartment or another compartment, 400 for a bad id, 405 for a write', async () => {
    const outside = await server.http.get('/fhir/Patient/ann/Practitioner').expect(404);
    expect(outside.body.issue[0].diagnostics).toMatch(/not in the Patient compartment/);
    await server.http.get('/fhir/Encounter/e1/Observation').expect(404);
    await server.http.get('/fhir/Patient/ann/NoSuchType').expect(404);
    await server.http.get('/fhir/Patient/a%20b/Observation').expect(400);
    await server.http.get('/fhir/Patient/ann/Observation?no-such-param=1').expect(400);
    await server.http.post('/fhir/Patient/ann/Observation').send({ resourceType: 'Observation' }).expect(405);
  });
});

describe('who may search a compartment', () => {
  it('is an operation of its own (FhirCompartmentSearch), with the compartment in the uri a policy sees', async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    // A policy for the type's search or for Patient paths does not open the compartment.
    await server.http.put('/AccessPolicy/ann-search-only').send({ engine: 'matcho', link: [{ id: 'FhirSearch', resourceType: 'Operation' }], matcho: { client: { id: client.id } } }).expect(201);
    await server.anonymous.get('/fhir/Patient/ann/Observation').auth(client.id, client.secret).expect(403);
    await server.http.delete('/AccessPolicy/ann-search-only').expect(200);
    const policy = { engine: 'matcho', link: [{ id: 'FhirCompartmentSearch', resourceType: 'Operation' }], matcho: { client: { id: client.id }, uri: '#^/fhir/Patient/ann/', params: { 'resource/type': 'Observation' } } };
    await server.http.put('/AccessPolicy/ann-observations').send(policy).expect(201);
    const as = (path: string) => server.anonymous.get(path).auth(client.id, client.secret);
    expect(idsOf((await as('/fhir/Patient/ann/Observation').expect(200)).body)).toEqual(['by-performer', 'by-subject', 'other-code']);
    await as('/fhir/Patient/bob/Observation').expect(403);
    await as('/fhir/Patient/ann/Encounter').expect(403);
    await as('/fhir/Observation').expect(403);
    await as('/Patient/ann/Observation').expect(403);
    await server.anonymous.get('/fhir/Patient/ann/Observation').expect(401);
  });
});
