import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
const ids: Record<string, string> = {};

async function create(path: string, body: Record<string, unknown>): Promise<string> {
  const response = await server.http.post(path).send(body);
  if (response.status !== 201) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

const idsOf = (bundle: { entry?: Array<{ resource: { id: string } }> }) => (bundle.entry ?? []).map((entry) => entry.resource.id).sort();

beforeAll(async () => {
  server = await startTestServer({ BOX_SEARCH_MAX_COUNT: '50' });
  ids.doctor = await create('/fhir/Practitioner', { resourceType: 'Practitioner', id: 'doc-1', name: [{ family: 'House' }] });
  ids.ann = await create('/fhir/Patient', {
    resourceType: 'Patient',
    id: 'ann',
    name: [{ family: 'Smith', given: ['Ann', 'Marie'] }],
    gender: 'female',
    birthDate: '1980-05-17',
    active: true,
    identifier: [{ system: 'urn:mrn', value: 'A-1' }],
    telecom: [{ system: 'email', value: 'ann@example.org' }, { system: 'phone', value: '555-1' }],
    generalPractitioner: [{ reference: 'Practitioner/doc-1' }],
  });
  ids.bob = await create('/fhir/Patient', {
    resourceType: 'Patient',
    id: 'bob',
    name: [{ family: 'Smithers', given: ['Bob'] }],
    gender: 'male',
    birthDate: '1975',
    active: false,
    identifier: [{ system: 'urn:mrn', value: 'B-2' }, { value: 'no-system' }],
  });
  ids.cid = await create('/fhir/Patient', { resourceType: 'Patient', id: 'cid', name: [{ family: 'Jones', text: 'Cid Jones' }], birthDate: '2001-01-01' });
  for (const [id, subject, code, date] of [
    ['obs-1', 'Patient/ann', '8867-4', '2024-01-10T09:00:00Z'],
    ['obs-2', 'Patient/ann', '8310-5', '2024-02-10'],
    ['obs-3', 'Patient/bob', '8867-4', '2023-12-31'],
  ]) {
    await create('/fhir/Observation', {
      resourceType: 'Observation',
      id,
      status: 'final',
      code: { coding: [{ system: 'http://loinc.org', code }] },
      subject: { reference: subject },
      effectiveDateTime: date,
      valueInteger: id === 'obs-1' ? 72 : 36,
    });
  }
  await create('/fhir/Observation', { resourceType: 'Observation', id: 'obs-period', status: 'final', code: { text: 'x' }, effectivePeriod: { start: '2022-01-01', end: '2022-06-30' } });
});
afterAll(async () => {
  await server.close();
});

const search = async (url: string, status = 200) => {
  const response = await server.http.get(url);
  if (response.status !== status) throw new Error(`${url}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
};

describe('search results', () => {
  it('answers a Bundle of type searchset with total, self link and full URLs', async () => {
    const bundle = await search('/fhir/Patient?gender=female&_total=accurate');
    expect(bundle).toMatchObject({ resourceType: 'Bundle', type: 'searchset', total: 1 });
    expect(bundle.entry[0]).toMatchObject({ fullUrl: 'http://localhost:8080/fhir/Patient/ann', search: { mode: 'match' } });
    expect(bundle.link[0].relation).toBe('self');
    expect(bundle.link[0].url).toContain('gender=female');
  });

  it('returns references in the FHIR format on /fhir and the stored format on /', async () => {
    const fhir = await search('/fhir/Patient?_id=ann');
    expect(fhir.entry[0].resource.generalPractitioner).toEqual([{ reference: 'Practitioner/doc-1' }]);
    const stored = await search('/Patient?_id=ann');
    expect(stored.entry[0].resource.generalPractitioner).toEqual([{ id: 'doc-1', resourceType: 'Practitioner' }]);
  });

  it('pages stably with _count, next and previous links', async () => {
    const first = await search('/fhir/Patient?_count=2&_sort=_id&_total=accurate');
    expect(first.total).toBe(3);
    expect(first.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['ann', 'bob']);
    const next = first.link.find((l: { relation: string }) => l.relation === 'next').url.replace('http://localhost:8080', '');
    const second = await search(next);
    expect(second.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['cid']);
    expect(second.link.find((l: { relation: string }) => l.relation === 'next')).toBeUndefined();
    expect(second.link.find((l: { relation: string }) => l.relation === 'previous')).toBeDefined();
  });

  it('caps _count at BOX_SEARCH_MAX_COUNT and says so in the self link', async () => {
    const bundle = await search('/fhir/Patient?_count=5000');
    expect(bundle.link[0].url).toContain('_count=50');
    expect(bundle.link[0].url).not.toContain('_count=5000');
  });

  it('sorts by _lastUpdated, newest first with -_lastUpdated', async () => {
    const newest = await search('/fhir/Patient?_sort=-_lastUpdated&_count=1');
    expect(newest.entry[0].resource.id).toBe('cid');
    const oldest = await search('/fhir/Patient?_sort=_lastUpdated&_count=1');
    expect(oldest.entry[0].resource.id).toBe('ann');
  });

  it('refuses _count=abc and _page=0', async () => {
    await search('/fhir/Patient?_count=abc', 400);
    await search('/fhir/Patient?_page=0', 400);
  });

  it('sorts by several keys, - for descending', async () => {
    const byBirth = await search('/fhir/Patient?_sort=-birthdate');
    expect(byBirth.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['cid', 'ann', 'bob']);
    const byGender = await search('/fhir/Patient?_sort=gender,-_id');
    expect(byGender.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['ann', 'bob', 'cid']);
    const byName = await search('/fhir/Patient?_sort=family');
    expect(byName.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['cid', 'ann', 'bob']);
  });

  it('answers only the total for _summary=count, and no total for _total=none', async () => {
    const count = await search('/fhir/Observation?code=8867-4&_summary=count');
    expect(count.total).toBe(2);
    expect(count.entry ?? []).toEqual([]);
    const none = await search('/fhir/Observation?code=8867-4&_total=none');
    expect(none.total).toBeUndefined();
    expect(none.entry).toHaveLength(2);
  });

  it('returns only the requested elements with _elements, marked SUBSETTED', async () => {
    const bundle = await search('/fhir/Patient?_id=ann&_elements=gender');
    const resource = bundle.entry[0].resource;
    expect(resource.gender).toBe('female');
    expect(resource.name).toBeUndefined();
    expect(resource.id).toBe('ann');
    expect(resource.meta.tag).toContainEqual(expect.objectContaining({ code: 'SUBSETTED' }));
  });

  it('searches with POST /<Type>/_search and a form body', async () => {
    const response = await server.http.post('/fhir/Patient/_search').type('form').send('family=smith&gender=male').expect(200);
    expect(idsOf(response.body)).toEqual(['bob']);
  });
});

describe('parameters', () => {
  it.each([
    ['_id=ann,bob', ['ann', 'bob']],
    ['_id:not=ann', ['bob', 'cid']],
    ['name=smi', ['ann', 'bob']],
    ['name=SMITH', ['ann', 'bob']],
    ['name=marie', ['ann']],
    ['name=cid', ['cid']],
    ['name:exact=Smith', ['ann']],
    ['name:exact=smith', []],
    ['name:contains=ith', ['ann', 'bob']],
    ['family=smith&given=bob', ['bob']],
    ['name=jones,bob', ['bob', 'cid']],
    ['identifier=urn:mrn|A-1', ['ann']],
    ['identifier=A-1', ['ann']],
    ['identifier=urn:mrn|', ['ann', 'bob']],
    ['identifier=|no-system', ['bob']],
    ['identifier=|B-2', []],
    ['gender=male,female', ['ann', 'bob']],
    ['gender:not=male', ['ann', 'cid']],
    ['gender:missing=true', ['cid']],
    ['gender:missing=false', ['ann', 'bob']],
    ['active=true', ['ann']],
    ['email=ann@example.org', ['ann']],
    ['phone=ann@example.org', []],
    ['phone=555-1', ['ann']],
    ['birthdate=1980', ['ann']],
    ['birthdate=1980-05', ['ann']],
    ['birthdate=1980-05-17', ['ann']],
    ['birthdate=1980-05-18', []],
    ['birthdate=lt1980', ['bob']],
    ['birthdate=ge1980-05-17', ['ann', 'cid']],
    ['birthdate=gt1980-05-17', ['cid']],
    ['birthdate=le1975-06', ['bob']],
    ['birthdate=eq1975-06', []],
    ['birthdate=ne1980', ['bob', 'cid']],
    ['birthdate=sa1980-12-31', ['cid']],
    ['birthdate=eb1980-01-01', ['bob']],
    ['birthdate=ge1970&birthdate=lt1990', ['ann', 'bob']],
    ['birthdate=2001-01-01', ['cid']],
    ['birthdate=2001-01-01T10:00:00Z', []],
    ['birthdate=gt2001-01-01T10:00:00Z', ['cid']],
    ['general-practitioner=Practitioner/doc-1', ['ann']],
    ['general-practitioner=doc-1', ['ann']],
    ['general-practitioner:Practitioner=doc-1', ['ann']],
    ['general-practitioner:Organization=doc-1', []],
    ['general-practitioner=http://localhost:8080/fhir/Practitioner/doc-1', ['ann']],
    ['general-practitioner:missing=true', ['bob', 'cid']],
  ])('Patient?%s', async (query, expected) => {
    expect(idsOf(await search(`/fhir/Patient?${query}`))).toEqual(expected);
  });

  it.each([
    ['subject=Patient/ann', ['obs-1', 'obs-2']],
    ['subject=ann', ['obs-1', 'obs-2']],
    ['subject:Patient=bob', ['obs-3']],
    ['patient=ann', ['obs-1', 'obs-2']],
    ['code=http://loinc.org|8867-4', ['obs-1', 'obs-3']],
    ['code=8867-4,8310-5', ['obs-1', 'obs-2', 'obs-3']],
    ['code=http://other|8867-4', []],
    ['date=2024', ['obs-1', 'obs-2']],
    ['date=2024-01-10', ['obs-1']],
    ['date=lt2024', ['obs-3', 'obs-period']],
    ['date=2022-03', []],
    ['date=le2022-03', ['obs-period']],
    ['date=ge2022-03-01&date=le2022-04', ['obs-period']],
    ['date=gt2024-01-10T08:00:00Z', ['obs-1', 'obs-2']],
    ['date=2024-01-10T10:00:00%2B01:00', ['obs-1']],
    ['date=2024-01-10T10:00:00Z', []],
    ['subject=Patient/ann&date=2024-02', ['obs-2']],
    ['status=final&_lastUpdated=gt2000-01-01', ['obs-1', 'obs-2', 'obs-3', 'obs-period']],
    ['_lastUpdated=lt2000-01-01', []],
    ['value-string=x', []],
  ])('Observation?%s', async (query, expected) => {
    expect(idsOf(await search(`/fhir/Observation?${query}`))).toEqual(expected);
  });

  it('searches IAM types by their own parameters', async () => {
    const user = await create('/User', { resourceType: 'User', id: 'u-1', userName: 'alice', email: 'alice@example.org', inactive: false });
    await create('/Session', { resourceType: 'Session', id: 's-1', user: { id: user, resourceType: 'User' }, active: true, type: 'password' });
    expect(idsOf(await search('/User?userName=alice'))).toEqual(['u-1']);
    expect(idsOf(await search('/User?userName=alic'))).toEqual([]);
    expect(idsOf(await search('/User?email=alice@example.org&inactive=false'))).toEqual(['u-1']);
    expect(idsOf(await search('/fhir/Session?user=u-1'))).toEqual(['s-1']);
    expect(idsOf(await search('/Session?user=User/u-1&active=true&type=password'))).toEqual(['s-1']);
  });
});

describe('errors', () => {
  it('answers 400 naming an unknown parameter', async () => {
    const body = await search('/fhir/Patient?colour=blue', 400);
    expect(body.issue[0].diagnostics).toContain("'colour'");
  });

  it('ignores an unknown parameter with Prefer: handling=lenient', async () => {
    const response = await server.http.get('/fhir/Patient?colour=blue&gender=male').set('Prefer', 'handling=lenient').expect(200);
    expect(idsOf(response.body)).toEqual(['bob']);
    expect(response.body.link[0].url).not.toContain('colour');
  });

  it.each([
    'birthdate=yesterday',
    'birthdate=1980-5-1',
    'active=maybe',
    '_count=-1',
    '_sort=colour',
    'general-practitioner=Practitioner/doc 1',
    'gender:missing=perhaps',
  ])('answers 400 for a malformed value: %s', async (query) => {
    await search(`/fhir/Patient?${query}`, 400);
  });

  it.each([
    ['Observation', 'value-quantity=5'],
    ['Observation', 'code-value-quantity=x'],
    ['Patient', 'deceased=true'],
    ['Patient', 'name:text=x'],
    ['Patient', 'birthdate=ap2000'],
    ['Patient', '_include=Patient:general-practitioner'],
  ])('answers 400 "not supported" rather than a wrong result: %s?%s', async (type, query) => {
    const body = await search(`/fhir/${type}?${query}`, 400);
    expect(body.issue[0].code).toBe('not-supported');
  });

  it('never lets a search value change the SQL', async () => {
    const hostile = encodeURIComponent("x') or true --");
    expect(idsOf(await search(`/fhir/Patient?name=${hostile}`))).toEqual([]);
    expect(idsOf(await search(`/fhir/Patient?identifier=${hostile}`))).toEqual([]);
    expect(idsOf(await search(`/fhir/Patient?name=%25`))).toEqual([]);
    expect(idsOf(await search(`/fhir/Patient?name=_`))).toEqual([]);
  });
});

describe('paging past the end', () => {
  it('still reports the total on an empty page (_total=accurate)', async () => {
    const bundle = await search('/fhir/Patient?_count=2&_page=5&_total=accurate');
    expect(bundle.total).toBe(3);
    expect(bundle.entry ?? []).toEqual([]);
  });
});
