import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildOrderBy, buildWhere } from '../../src/search/build-search-sql';
import { searchParametersOf } from '../../src/search/load-search-parameters';
import { parseSearchQuery } from '../../src/search/parse-search-query';
import { SqlParams } from '../../src/search/sql-params';
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

/** The plan of exactly the SQL a search runs (the page query), as EXPLAIN shows it. */
async function planOf(resourceType: string, queryString: string): Promise<string> {
  const query: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(queryString)) (query[name] ??= []).push(value);
  const parsed = parseSearchQuery(resourceType, query, searchParametersOf(resourceType), { maxCount: 1000, lenient: false });
  const sql = new SqlParams();
  const where = buildWhere(parsed, sql, []);
  const rows = await server.sql<{ 'QUERY PLAN': string }>(
    `explain select id, resource from "${resourceType.toLowerCase()}" where ${where} order by ${buildOrderBy(parsed.sort)} limit 101`,
    sql.values,
  );
  return rows.map((row) => row['QUERY PLAN']).join('\n');
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
  ])('%s?%s uses %s', async (type, query, index) => {
    const plan = await planOf(type, query);
    expect(plan).toMatch(/(Bitmap Index|Index) Scan/);
    expect(plan).toContain(index);
  });

  it('and the indexed searches answer correctly over HTTP', async () => {
    const byName = await server.http.get('/fhir/Patient?name=fam1234').expect(200);
    expect(byName.body.entry.map((e: { resource: { id: string } }) => e.resource.id)).toEqual(['p1234']);
    const bySubject = await server.http.get('/fhir/Observation?subject=Patient/p12&_summary=count').expect(200);
    expect(bySubject.body.total).toBe(5);
    const byDate = await server.http.get('/fhir/Observation?date=2020-01-02').expect(200);
    expect(byDate.body.total).toBe(8);
  });
});
