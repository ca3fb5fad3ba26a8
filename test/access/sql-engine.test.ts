import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { checkPolicySql } from '../../src/access/check-policy-sql';
import { compilePolicy, type PolicyRuntime } from '../../src/access/compile-policy';
import { PolicyError } from '../../src/access/policy-error';
import type { PolicyRequest } from '../../src/access/policy-request';
import { makePolicyRequest } from './make-policy-request';
import { openPolicyTestDatabase, type PolicyTestDatabase } from './open-policy-test-database';

let database: PolicyTestDatabase;
let runtime: PolicyRuntime;
beforeAll(async () => {
  database = await openPolicyTestDatabase();
  runtime = { db: database.db };
});
afterAll(async () => {
  await database.drop();
});

const sqlPolicy = (query: string) => compilePolicy({ id: 'sql-policy', engine: 'sql', sql: { query } });
const evaluate = (query: string, request: PolicyRequest = makePolicyRequest(), options: PolicyRuntime = runtime) => sqlPolicy(query).evaluate(request, options);
const patientCount = async () => (await database.db.query<{ n: number }>('select count(*)::int as n from patient')).rows[0].n;

const ownPatient = `
  select resource->'generalPractitioner' @> jsonb_build_array(jsonb_build_object('resourceType', 'Practitioner', 'id', {{user.data.practitioner_id}}))
  from patient where id = {{params.resource/id}}`;

describe('sql engine', () => {
  it("allows when the query returns one row whose first value is true: a practitioner reads their own patient", async () => {
    expect(await evaluate(ownPatient)).toMatchObject({ effect: 'allow', policyId: 'sql-policy', engine: 'sql' });
  });

  it("does not apply when the query returns false, no row or several rows", async () => {
    const other = makePolicyRequest({ params: { 'resource/type': 'Patient', 'resource/id': 'pt-2' } });
    expect(await evaluate(ownPatient, other)).toMatchObject({ effect: 'not-applicable', explanation: { message: 'the query returned false' } });
    expect(await evaluate('select true from patient where id = {{params.nope}}')).toMatchObject({ effect: 'not-applicable', explanation: { message: expect.stringContaining('0 rows') } });
    expect(await evaluate('select true from patient')).toMatchObject({ effect: 'not-applicable', explanation: { message: expect.stringContaining('2 rows') } });
    expect(await evaluate('select 1')).toMatchObject({ effect: 'not-applicable', explanation: { message: 'the query returned 1' } });
  });

  it('binds {{path}} values as parameters: objects as JSON text, absent values as NULL', async () => {
    expect(await evaluate(`select ({{user}})::jsonb->>'id' = 'u1' and {{user.nope}} is null and {{jwt.iss}} like 'http://localhost:8180/%'`)).toMatchObject({ effect: 'allow' });
  });

  it('never lets a {{path}} value inject SQL', async () => {
    const injected = (id: string) => makePolicyRequest({ params: { 'resource/type': 'Patient', 'resource/id': id } });
    expect(await evaluate('select true from patient where id = {{params.resource/id}}', injected(`nobody' or '1'='1`))).toMatchObject({ effect: 'not-applicable' });
    expect(await evaluate('select true from patient where id = {{params.resource/id}}', injected(`x'; delete from patient; --`))).toMatchObject({ effect: 'not-applicable' });
    expect(await patientCount()).toBe(2);
  });

  it('{{!path}} is a checked, lower-cased and quoted identifier', async () => {
    const query = 'select true from {{!params.resource/type}} where id = {{params.resource/id}}';
    expect(await evaluate(query)).toMatchObject({ effect: 'allow' });
    const hostile = makePolicyRequest({ params: { 'resource/type': 'patient; delete from patient', 'resource/id': 'pt-1' } });
    expect(await evaluate(query, hostile)).toMatchObject({ effect: 'not-applicable', explanation: { message: expect.stringContaining('not a plain name') } });
    expect(await evaluate(query, makePolicyRequest({ params: {} }))).toMatchObject({ effect: 'not-applicable' });
    expect(await patientCount()).toBe(2);
  });

  it('runs read-only: a statement that writes is refused', async () => {
    expect(await evaluate('with gone as (delete from patient returning id) select true')).toMatchObject({
      effect: 'not-applicable',
      explanation: { message: expect.stringContaining('read-only transaction') },
    });
    expect(await evaluate(`select nextval('policy_counter') > 0`)).toMatchObject({ effect: 'not-applicable', explanation: { message: expect.stringContaining('read-only') } });
    expect(await patientCount()).toBe(2);
  });

  it('gives up on a slow query after the statement timeout', async () => {
    const started = Date.now();
    expect(await evaluate('select pg_sleep(5) is not null', makePolicyRequest(), { db: database.db, sqlTimeoutMs: 200 })).toMatchObject({
      effect: 'not-applicable',
      explanation: { message: 'the query was cancelled after 200 ms' },
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('does not apply without a database to run on', async () => {
    expect(await evaluate('select true', makePolicyRequest(), {})).toMatchObject({ effect: 'not-applicable' });
  });
});

describe('checkPolicySql', () => {
  const check = (query: string) => checkPolicySql(database.db, sqlPolicy(query).sql[0]);
  const rejection = async (query: string) => {
    const error = await check(query).then(() => undefined, (thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(PolicyError);
    return (error as PolicyError).problems[0];
  };

  it('accepts a query PostgreSQL can plan, without running it', async () => {
    await check(ownPatient);
    await check(`select pg_sleep(10) is not null`);
    await check('select true from {{!params.resource/type}} where id = {{params.resource/id}}');
  });

  it('rejects a syntax error, an unknown table and several statements, naming sql.query', async () => {
    expect(await rejection('selec true')).toEqual({ expression: 'AccessPolicy.sql.query', message: expect.stringContaining('syntax error') });
    expect(await rejection('select true from no_such_table')).toMatchObject({ message: expect.stringContaining('does not exist') });
    expect(await rejection('select true; select false')).toMatchObject({ message: expect.stringContaining('PostgreSQL cannot run the query') });
    expect(await rejection('select true from {{!params.resource/type}} wher id = 1')).toMatchObject({ message: expect.stringContaining('syntax error') });
  });

  it('rejects a query that writes or locks rows', async () => {
    expect(await rejection('with gone as (delete from patient returning id) select true')).toMatchObject({ message: expect.stringContaining('may only read') });
    expect(await rejection('select true from patient for update')).toMatchObject({ message: expect.stringContaining('may only read') });
    expect(await patientCount()).toBe(2);
  });

  it('names the nested rule of a complex policy', async () => {
    const policy = compilePolicy({ engine: 'complex', and: [{ engine: 'allow' }, { engine: 'sql', sql: { query: 'select tru' } }] });
    const error = await checkPolicySql(database.db, policy.sql[0]).catch((thrown: PolicyError) => thrown);
    expect((error as PolicyError).problems[0].expression).toBe('AccessPolicy.and[1].sql.query');
  });

  it('leaves the pool usable after rejected queries', async () => {
    await rejection('selec 1');
    await rejection('selec 1');
    expect(await evaluate('select true')).toMatchObject({ effect: 'allow' });
  });
});
