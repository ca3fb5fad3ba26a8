import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createAccessPolicyHook } from '../../src/access/access-policy-hook';
import { checkPolicySql } from '../../src/access/check-policy-sql';
import { HttpError } from '../../src/errors/http-error';
import type { WriteHook } from '../../src/interactions/resource-hooks';
import { openPolicyTestDatabase, type PolicyTestDatabase } from './open-policy-test-database';

let database: PolicyTestDatabase;
let hook: WriteHook;
beforeAll(async () => {
  database = await openPolicyTestDatabase();
  hook = createAccessPolicyHook({ checkSql: (sql) => checkPolicySql(database.db, sql) });
});
afterAll(async () => {
  await database.drop();
});

const write = (resource: Record<string, unknown>) => hook.beforeWrite(resource, { q: database.db, id: 'policy-1' });
async function refusal(resource: Record<string, unknown>): Promise<HttpError> {
  const error = await write(resource).then(() => undefined, (thrown: unknown) => thrown);
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

describe('AccessPolicy write hook', () => {
  it("stores a policy that works unchanged, the tutorial's among them", async () => {
    const tutorial = { engine: 'matcho', matcho: { jwt: { iss: 'http://localhost:8180/realms/myrealm' } } };
    expect(await write(tutorial)).toEqual(tutorial);
    const sql = { engine: 'sql', sql: { query: 'select true from patient where id = {{params.resource/id}}' } };
    expect(await write(sql)).toEqual(sql);
  });

  it('refuses a bad regular expression with a 422 naming the element', async () => {
    const error = await refusal({ engine: 'matcho', matcho: { uri: '#^/Patient/(' } });
    expect(error.status).toBe(422);
    expect(error.issues).toEqual([
      { severity: 'error', code: 'invalid', expression: ['AccessPolicy.matcho.uri'], diagnostics: expect.stringMatching(/^This AccessPolicy cannot work: '#\^\/Patient\/\(' is not a valid regular expression/) },
    ]);
  });

  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['a schema that does not compile', { engine: 'json-schema', schema: { type: 'objekt' } }, 'AccessPolicy.schema', /draft-07/],
    ['SQL with a syntax error', { engine: 'sql', sql: { query: 'select tru from patient' } }, 'AccessPolicy.sql.query', /PostgreSQL cannot run the query/],
    ['SQL that writes', { engine: 'sql', sql: { query: 'with gone as (delete from patient returning id) select true' } }, 'AccessPolicy.sql.query', /may only read/],
    ['an unknown engine', { engine: 'opa' }, 'AccessPolicy.engine', /unknown engine/],
    ['the clj engine', { engine: 'clj', clj: 'true' }, 'AccessPolicy.engine', /deprecated/],
    ['and and or at one level', { engine: 'complex', and: [{ engine: 'allow' }], or: [{ engine: 'allow' }] }, 'AccessPolicy', /not both/],
    ['a nested rule with SQL that does not parse', { engine: 'complex', or: [{ engine: 'allow' }, { engine: 'sql', sql: { query: 'selec 1' } }] }, 'AccessPolicy.or[1].sql.query', /syntax error/],
  ])('refuses %s', async (_name, resource, expression, message) => {
    const error = await refusal(resource);
    expect(error.status).toBe(422);
    expect(error.issues).toContainEqual(expect.objectContaining({ expression: [expression], diagnostics: expect.stringMatching(message) }));
  });

  it('reports every problem of a policy at once', async () => {
    const error = await refusal({ engine: 'matcho', matcho: { uri: '#(', user: { $nope: 1 } } });
    expect(error.issues.map((issue) => issue.expression)).toEqual([['AccessPolicy.matcho.uri'], ['AccessPolicy.matcho.user.$nope']]);
    expect(error.message).toBe('2 problems found in the resource');
  });
});
