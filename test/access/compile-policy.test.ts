import { describe, expect, it } from '@jest/globals';
import { compilePolicy } from '../../src/access/compile-policy';
import type { Decision } from '../../src/access/decision';
import { PolicyError } from '../../src/access/policy-error';
import type { Database } from '../../src/db/database';
import { makePolicyRequest } from './make-policy-request';

/** A database that only counts how often a policy query ran and answers `true`. */
function countingDatabase() {
  const db = {
    runs: 0,
    async transaction<T>(fn: (tx: unknown) => Promise<T>): Promise<T> {
      db.runs++;
      return fn({ query: async () => ({ rows: [{ allowed: true }], rowCount: 1 }), exec: async () => undefined });
    },
  };
  return db;
}

function problemsOf(policy: Record<string, unknown>): Array<{ expression: string; message: string }> {
  try {
    compilePolicy(policy);
  } catch (error) {
    if (error instanceof PolicyError) return error.problems;
    throw error;
  }
  throw new Error('expected the policy to be rejected');
}

const match = (pattern: Record<string, unknown>) => ({ engine: 'matcho', matcho: pattern });
const getRequest = { engine: 'matcho', matcho: { 'request-method': 'get' } };
const postRequest = { engine: 'matcho', matcho: { 'request-method': 'post' } };

describe('allow engine', () => {
  it('allows every request and says so', () => {
    expect(compilePolicy({ id: 'admin', engine: 'allow', link: [{ resourceType: 'User', id: 'admin' }] }).evaluate(makePolicyRequest())).toEqual({
      effect: 'allow',
      policyId: 'admin',
      engine: 'allow',
      explanation: { message: 'the allow engine allows every request' },
    });
  });
});

describe('json-schema engine', () => {
  const policy = compilePolicy({
    id: 'orgs',
    engine: 'json-schema',
    schema: { type: 'object', required: ['params'], properties: { params: { type: 'object', required: ['resource/type'], properties: { 'resource/type': { const: 'Organization' } } } } },
  });

  it('allows a request valid against the schema (draft-07)', () => {
    expect(policy.evaluate(makePolicyRequest({ params: { 'resource/type': 'Organization' } }))).toMatchObject({ effect: 'allow', policyId: 'orgs' });
  });

  it('does not apply to an invalid request and names the failing path', () => {
    expect(policy.evaluate(makePolicyRequest())).toMatchObject({
      effect: 'not-applicable',
      explanation: { mismatch: { path: 'params.resource/type', actual: 'Patient', reason: 'must be equal to constant' } },
    });
  });

  it('lets two policies use the same $id', () => {
    const schema = { $id: 'https://example.org/policy', type: 'object', required: ['user'] };
    compilePolicy({ engine: 'json-schema', schema });
    expect(compilePolicy({ engine: 'json-schema', schema }).evaluate(makePolicyRequest())).toMatchObject({ effect: 'allow' });
  });
});

describe('complex engine', () => {
  it('and: allows when every rule allows', () => {
    const decision = compilePolicy({ id: 'c', engine: 'complex', and: [getRequest, { engine: 'allow' }] }).evaluate(makePolicyRequest()) as Decision;
    expect(decision).toMatchObject({ effect: 'allow', policyId: 'c', explanation: { message: 'all 2 rules allow' } });
    expect(decision.explanation.results).toHaveLength(2);
  });

  it('and: stops at the first rule that does not allow', async () => {
    const db = countingDatabase();
    const policy = compilePolicy({ engine: 'complex', and: [postRequest, { engine: 'sql', sql: { query: 'select true' } }] });
    const decision = await policy.evaluate(makePolicyRequest(), { db: db as unknown as Database });
    expect(decision).toMatchObject({ effect: 'not-applicable', explanation: { message: 'rule 0 does not allow' } });
    expect(decision.explanation.results).toHaveLength(1);
    expect(db.runs).toBe(0);
  });

  it('or: stops at the first rule that allows', async () => {
    const db = countingDatabase();
    const policy = compilePolicy({ engine: 'complex', or: [postRequest, getRequest, { engine: 'sql', sql: { query: 'select true' } }] });
    expect(policy.isAsync).toBe(true);
    const decision = await policy.evaluate(makePolicyRequest(), { db: db as unknown as Database });
    expect(decision).toMatchObject({ effect: 'allow', explanation: { message: 'rule 1 allows' } });
    expect(decision.explanation.results?.map((result) => result.effect)).toEqual(['not-applicable', 'allow']);
    expect(db.runs).toBe(0);
  });

  it('or: does not apply when no rule allows; nested complex rules combine and with or', async () => {
    const db = countingDatabase();
    expect(compilePolicy({ engine: 'complex', or: [postRequest, match({ uri: '#Encounter' })] }).evaluate(makePolicyRequest())).toMatchObject({
      effect: 'not-applicable',
      explanation: { message: 'none of the 2 rules allows' },
    });
    const nested = compilePolicy({ engine: 'complex', and: [getRequest, { engine: 'complex', or: [postRequest, { engine: 'sql', sql: { query: 'select true' } }] }] });
    expect(await nested.evaluate(makePolicyRequest(), { db: db as unknown as Database })).toMatchObject({ effect: 'allow' });
    expect(db.runs).toBe(1);
  });
});

describe('the smart-on-fhir engine', () => {
  it('admits a credential with SMART resource scopes (the scope stage then decides), and nothing else', () => {
    const policy = compilePolicy({ engine: 'smart-on-fhir' });
    expect(policy.evaluate(makePolicyRequest())).toMatchObject({ effect: 'not-applicable' });
    expect(policy.evaluate(makePolicyRequest({ session: { scope: ['openid', 'launch'] } }))).toMatchObject({ effect: 'not-applicable' });
    expect(policy.evaluate(makePolicyRequest({ session: { scope: ['patient/Observation.rs'] } }))).toMatchObject({ effect: 'allow' });
    expect(policy.evaluate(makePolicyRequest({ jwt: { scope: 'openid user/*.read' } }))).toMatchObject({ effect: 'allow' });
  });
});

describe('the rpc engines', () => {
  it.each(['matcho-rpc', 'allow-rpc', 'signed-rpc'])('%s never applies to a request that is not an rpc call', (engine) => {
    expect(compilePolicy({ engine, rpc: { 'some.method': true } }).evaluate(makePolicyRequest())).toMatchObject({ effect: 'not-applicable' });
  });

  it('allow-rpc and matcho-rpc apply to the methods they list', () => {
    const call = (method: string, params: Record<string, unknown> = {}) => makePolicyRequest({ rpc: { method, params } });
    const listed = compilePolicy({ engine: 'allow-rpc', rpc: { 'some.method': true, 'other.method': false } });
    expect(listed.evaluate(call('some.method'))).toMatchObject({ effect: 'allow' });
    expect(listed.evaluate(call('other.method'))).toMatchObject({ effect: 'not-applicable' });
    const matched = compilePolicy({ engine: 'matcho-rpc', rpc: { 'some.method': { params: { id: '.user.data.patient_id' } } } });
    expect(matched.evaluate(call('some.method', { id: 'pt-1' }))).toMatchObject({ effect: 'allow' });
    expect(matched.evaluate(call('some.method', { id: 'pt-2' }))).toMatchObject({ effect: 'not-applicable', explanation: { mismatch: { path: 'params.id' } } });
  });
});

describe('links and roleName', () => {
  it('reads stored references and FHIR references to User, Client and Operation', () => {
    const policy = compilePolicy({ engine: 'allow', link: [{ resourceType: 'User', id: 'u1' }, { reference: 'Client/web' }, { resourceType: 'Operation', id: 'FhirRead' }], roleName: 'doctor' });
    expect(policy.links).toEqual([
      { resourceType: 'User', id: 'u1' },
      { resourceType: 'Client', id: 'web' },
      { resourceType: 'Operation', id: 'FhirRead' },
    ]);
    expect(policy.roleName).toBe('doctor');
  });
});

describe('policies that cannot work are rejected when compiled', () => {
  it.each<[string, Record<string, unknown>, string, RegExp]>([
    ['a bad regular expression', match({ uri: '#^/Patient/(' }), 'AccessPolicy.matcho.uri', /not a valid regular expression/],
    ['a bad regular expression deep in an operator', match({ user: { roles: { $contains: { value: '#[a-' } } } }), 'AccessPolicy.matcho.user.roles.$contains.value', /regular expression/],
    ['an unknown matcho operator', match({ uri: { $regex: 'x' } }), 'AccessPolicy.matcho.uri.$regex', /not a matcho operator/],
    ['$one-of beside other keys', match({ params: { 'resource/type': 'Patient', '$one-of': [{ id: 'present?' }] } }), 'AccessPolicy.matcho.params.$one-of', /cannot stand beside/],
    ['$enum that is not a list of values', match({ uri: { $enum: 'get' } }), 'AccessPolicy.matcho.uri.$enum', /list of strings/],
    ['$length that is not a count', match({ body: { $length: -1 } }), 'AccessPolicy.matcho.body.$length', /non-negative integer/],
    ['a null pattern', match({ user: null }), 'AccessPolicy.matcho.user', /nil\?/],
    ['an empty .path', match({ user: { id: '.' } }), 'AccessPolicy.matcho.user.id', /not a path/],
    ['matcho without a pattern', { engine: 'matcho' }, 'AccessPolicy.matcho', /pattern object/],
    ['a schema that does not compile', { engine: 'json-schema', schema: { type: 'objekt' } }, 'AccessPolicy.schema', /draft-07/],
    ['json-schema without a schema', { engine: 'json-schema' }, 'AccessPolicy.schema', /JSON Schema object/],
    ['an unknown engine', { engine: 'opa' }, 'AccessPolicy.engine', /unknown engine "opa"/],
    ['allow-rpc without rpc', { engine: 'allow-rpc' }, 'AccessPolicy.rpc', /one key per method name/],
    ['allow-rpc with something else than true or false', { engine: 'allow-rpc', rpc: { 'a.b/c': 'yes' } }, 'AccessPolicy.rpc.a.b/c', /true \(or false\)/],
    ['a bad regular expression in a matcho-rpc pattern', { engine: 'matcho-rpc', rpc: { 'a.b/c': { params: { id: '#(' } } } }, 'AccessPolicy.rpc.a.b/c.params.id', /regular expression/],
    ['no engine', { matcho: {} }, 'AccessPolicy.engine', /engine is required/],
    ['the deprecated clj engine', { engine: 'clj', clj: '(constantly true)' }, 'AccessPolicy.engine', /deprecated/],
    ['and and or at one level', { engine: 'complex', and: [getRequest], or: [postRequest] }, 'AccessPolicy', /not both/],
    ['complex without and or or', { engine: 'complex' }, 'AccessPolicy', /needs an and or an or list/],
    ['an empty and list', { engine: 'complex', and: [] }, 'AccessPolicy.and', /non-empty list/],
    ['and/or on another engine', { engine: 'allow', or: [getRequest] }, 'AccessPolicy.or', /only by the complex engine/],
    ['a broken nested rule', { engine: 'complex', or: [getRequest, { engine: 'complex', and: [{ engine: 'matcho', matcho: { uri: '#(' } }] }] }, 'AccessPolicy.or[1].and[0].matcho.uri', /regular expression/],
    ['sql without sql.query', { engine: 'sql', sql: {} }, 'AccessPolicy.sql.query', /sql\.query/],
    ['sql with its own $1 parameters', { engine: 'sql', sql: { query: 'select $1' } }, 'AccessPolicy.sql.query', /\{\{path\}\}/],
    ['a link to something else than User, Client or Operation', { engine: 'allow', link: [{ resourceType: 'Patient', id: 'p1' }] }, 'AccessPolicy.link[0]', /User, Client or Operation/],
    ['an empty roleName', { engine: 'allow', roleName: '' }, 'AccessPolicy.roleName', /non-empty/],
  ])('%s', (_name, policy, expression, message) => {
    const problems = problemsOf(policy);
    expect(problems).toContainEqual({ expression, message: expect.stringMatching(message) });
  });

  it('lists every problem, not only the first', () => {
    expect(problemsOf(match({ uri: '#(', body: { $nope: 1 }, user: { id: '#[' } }))).toHaveLength(3);
  });
});
