import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { searchParametersOf } from '../../src/search/load-search-parameters';
import { parseSearchQuery } from '../../src/search/parse-search-query';
import { searchStatements } from '../../src/search/run-search';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;

/** 10,000 rows of each type straight into the tables, then statistics, as on a real database. */
beforeAll(async () => {
  server = await startTestServer();
  await server.sql(`insert into patient (id, txid, resource_type, status, resource)
    select 'p' || g, nextval('txid_seq'), 'Patient', 'created', jsonb_build_object(
      'name', jsonb_build_array(jsonb_build_object('family', 'Fam' || g, 'given', jsonb_build_array('Giv' || (g % 100)))),
      'identifier', jsonb_build_array(jsonb_build_object('system', 'urn:mrn', 'value', 'm' || g)),
      'birthDate', to_char(date '1940-01-01' + (g * 2), 'YYYY-MM-DD'),
      'generalPractitioner', jsonb_build_array(jsonb_build_object('id', 'pr' || (g % 1000), 'resourceType', 'Practitioner')))
    from generate_series(1, 10000) as g`);
  await server.sql(`insert into observation (id, txid, resource_type, status, resource)
    select 'o' || g, nextval('txid_seq'), 'Observation', 'created', jsonb_build_object(
      'status', 'final',
      'code', jsonb_build_object('coding', jsonb_build_array(jsonb_build_object('system', 'http://loinc.org', 'code', 'c' || (g % 500)))),
      'subject', jsonb_build_object('id', 'p' || (g % 2000), 'resourceType', 'Patient'),
      'effectiveDateTime', to_char(timestamp '2020-01-01' + g * interval '3 hours', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))
    from generate_series(1, 10000) as g`);
  // vacuum also merges the GIN indexes' pending lists, as autovacuum would after a bulk load.
  await server.sql('vacuum analyze patient');
  await server.sql('vacuum analyze observation');
}, 60_000);
afterAll(async () => {
  await server.close();
});

/**
 * The plan of exactly the statement a search runs for its page, both as planned for
 * the given values and as the generic plan a prepared statement may switch to after a few runs.
 */
async function plansOf(resourceType: string, queryString: string): Promise<{ custom: string; generic: string }> {
  const query: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(queryString)) (query[name] ??= []).push(value);
  const parsed = parseSearchQuery(resourceType, query, searchParametersOf(resourceType), { maxCount: 1000, lenient: false });
  const { page } = searchStatements(parsed, []);
  const custom = await server.sql<{ 'QUERY PLAN': string }>(`explain ${page.text}`, page.values);
  const generic = await server.services.db.transaction(async (tx) => {
    await tx.exec('set local plan_cache_mode = force_generic_plan');
    await tx.exec(`prepare generic_search as ${page.text}`);
    // Test values only (no quotes in them): EXECUTE takes literals.
    const literals = page.values.map((value) => `'${String(value)}'`).join(', ');
    const { rows } = await tx.query<{ 'QUERY PLAN': string }>(`explain execute generic_search(${literals})`);
    await tx.exec('deallocate generic_search');
    return rows;
  });
  const text = (rows: Array<{ 'QUERY PLAN': string }>) => rows.map((row) => row['QUERY PLAN']).join('\n');
  return { custom: text(custom), generic: text(generic) };
}

describe('searches that must use an index (10,000 rows)', () => {
  it.each([
    ['Patient', 'name=fam123', 'patient_name_search'],
    ['Patient', 'identifier=urn:mrn|m42', 'patient_resource_gin'],
    ['Patient', 'birthdate=1980-03-02', 'patient_birthdate_search'],
    ['Patient', 'birthdate=ge1994-10-01', 'patient_birthdate_search'],
    ['Patient', 'general-practitioner=Practitioner/pr7', 'patient_resource_gin'],
    ['Observation', 'subject=Patient/p12', 'observation_resource_gin'],
    ['Observation', 'code=http://loinc.org|c5', 'observation_resource_gin'],
    ['Observation', 'date=2021-03-04', 'observation_date_search'],
  ])('%s?%s uses %s, whatever the values (generic plan too)', async (type, query, index) => {
    const { custom, generic } = await plansOf(type, query);
    for (const plan of [custom, generic]) {
      expect(plan).toMatch(/(Bitmap Index|Index) Scan/);
      expect(plan).toContain(index);
    }
  });

  it('and the indexed searches answer correctly over HTTP', async () => {
    const byName = await server.http.get('/fhir/Patient?name=fam1234').expect(200);
    expect(byName.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['p1234']);
    const bySubject = await server.http.get('/fhir/Observation?subject=Patient/p12&_summary=count').expect(200);
    expect(bySubject.body.total).toBe(5);
    const byDate = await server.http.get('/fhir/Observation?date=2020-01-02&_total=accurate').expect(200);
    expect(byDate.body.total).toBe(8);
  });
});
