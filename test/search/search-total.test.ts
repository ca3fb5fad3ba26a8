import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Bundle.total (FHIR search.html#total) costs a pass over every match, so it is given only when
 * asked for with _total, and an exact count is bounded by BOX_SEARCH_TOTAL_TIMEOUT.
 */
let server: TestServer;
/** A server that gives a count 1 ms, with more Patients than it can count in that time. */
let hurried: TestServer;
const MANY = 30_000;

interface Bundle {
  total?: number;
  link: Array<{ relation: string; url: string }>;
  entry?: Array<{ resource: { resourceType: string; id: string; issue?: Array<{ severity: string; diagnostics: string }> }; search: { mode: string } }>;
}

async function search(path: string, on = server): Promise<Bundle> {
  const response = await on.http.get(path);
  if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body as Bundle;
}

const relations = (bundle: Bundle) => bundle.link.map((link) => link.relation);
const pathOf = (bundle: Bundle, relation: string) => bundle.link.find((link) => link.relation === relation)!.url.replace(/^https?:\/\/[^/]+/, '');
const matches = (bundle: Bundle) => (bundle.entry ?? []).filter((entry) => entry.search.mode === 'match').map((entry) => entry.resource.id);

beforeAll(async () => {
  [server, hurried] = await Promise.all([startTestServer(), startTestServer({ BOX_SEARCH_TOTAL_TIMEOUT: '1' })]);
  for (const id of ['a', 'b', 'c']) {
    for (const each of [server, hurried]) await each.http.put(`/fhir/Practitioner/${id}`).send({ resourceType: 'Practitioner', id, gender: 'other' }).expect(201);
  }
  await hurried.sql(`insert into patient (id, txid, resource_type, status, resource)
    select 'p' || g, nextval('txid_seq'), 'Patient', 'created',
      jsonb_build_object('gender', case when g % 3 = 0 then 'male' else 'female' end, 'identifier', jsonb_build_array(jsonb_build_object('value', 'm' || g)))
    from generate_series(1, ${MANY}) as g`);
  await hurried.sql('analyze patient');
}, 60_000);
afterAll(async () => {
  await Promise.all([server.close(), hurried.close()]);
});

describe('Bundle.total', () => {
  it('is not counted unless asked for, and a next link still appears only when there is a next page', async () => {
    const first = await search('/fhir/Practitioner?_count=2&_sort=_id');
    expect(first.total).toBeUndefined();
    expect(matches(first)).toEqual(['a', 'b']);
    expect(relations(first)).toEqual(['self', 'next']);
    const second = await search(pathOf(first, 'next'));
    expect(second.total).toBeUndefined();
    expect(matches(second)).toEqual(['c']);
    expect(relations(second)).toEqual(['self', 'previous']);
    const none = await search('/fhir/Practitioner?_count=3&_total=none');
    expect(none.total).toBeUndefined();
    expect(relations(none)).toEqual(['self']);
  });

  it('is exact with _total=accurate, on every page and past the last one', async () => {
    const first = await search('/fhir/Practitioner?_count=2&_sort=_id&_total=accurate');
    expect(first.total).toBe(3);
    const next = pathOf(first, 'next');
    expect(next).toContain('_total=accurate');
    expect((await search(next)).total).toBe(3);
    expect((await search('/fhir/Practitioner?_count=2&_page=5&_total=accurate')).total).toBe(3);
    expect((await search('/fhir/Practitioner?_total=accurate&gender=male')).total).toBe(0);
  });

  it('is what the planner estimates with _total=estimate, which costs no count', async () => {
    const female = Math.ceil((MANY * 2) / 3);
    const estimated = await search('/fhir/Patient?gender=female&_count=1&_total=estimate', hurried);
    expect(estimated.total).toBeGreaterThan(female / 2);
    expect(estimated.total).toBeLessThan(female * 2);
    // Known without counting: the last page gives it exactly.
    expect((await search('/fhir/Practitioner?_total=estimate', hurried)).total).toBe(3);
  });

  it('answers the page without a total, and says why, when an exact count takes longer than BOX_SEARCH_TOTAL_TIMEOUT', async () => {
    const bundle = await search('/fhir/Patient?gender=female&_count=1&_total=accurate', hurried);
    expect(bundle.total).toBeUndefined();
    expect(matches(bundle)).toHaveLength(1);
    expect(relations(bundle)).toContain('next');
    const outcome = bundle.entry!.find((entry) => entry.search.mode === 'outcome')!;
    expect(outcome.resource).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'warning', diagnostics: expect.stringContaining('BOX_SEARCH_TOTAL_TIMEOUT') }] });
  });

  it('does not let a count that runs out of time abort the transaction around it', async () => {
    const response = await hurried.http.post('/fhir').send({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Practitioner', id: 'in-bundle' }, request: { method: 'PUT', url: 'Practitioner/in-bundle' } },
        { request: { method: 'GET', url: 'Patient?gender=female&_count=1&_total=accurate' } },
        { request: { method: 'GET', url: 'Practitioner?_total=accurate' } },
      ],
    });
    expect(response.status).toBe(200);
    const [, uncounted, counted] = response.body.entry as Array<{ resource: Bundle }>;
    expect(uncounted.resource.total).toBeUndefined();
    expect(matches(uncounted.resource)).toHaveLength(1);
    expect(counted.resource.total).toBe(4);
    await hurried.http.get('/fhir/Practitioner/in-bundle').expect(200);
  });

  it('refuses a _total that is not none, estimate or accurate', async () => {
    const response = await server.http.get('/fhir/Patient?_total=exact').expect(400);
    expect(response.body.issue[0].diagnostics).toBe("_total must be none, estimate or accurate, got 'exact'");
  });
});
