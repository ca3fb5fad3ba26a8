import { describe, expect, it } from '@jest/globals';
import { compilePolicy } from '../../src/access/compile-policy';
import type { PolicyRequest } from '../../src/access/policy-request';
import { makePolicyRequest } from './make-policy-request';

const matcho = (pattern: Record<string, unknown>) => compilePolicy({ id: 'p', engine: 'matcho', matcho: pattern });
const effect = (pattern: Record<string, unknown>, request: PolicyRequest) => (matcho(pattern).evaluate(request) as { effect: string }).effect;
const allows = (pattern: Record<string, unknown>, request: PolicyRequest = makePolicyRequest()) => effect(pattern, request) === 'allow';

describe('matcho engine', () => {
  it("allows the tutorial's policy for a token from the realm, and not for another issuer", () => {
    const policy = matcho({ jwt: { iss: 'http://localhost:8180/realms/myrealm' } });
    expect(policy.evaluate(makePolicyRequest())).toMatchObject({ effect: 'allow', policyId: 'p', engine: 'matcho' });
    expect(policy.evaluate(makePolicyRequest({ jwt: { iss: 'http://evil.example/realms/myrealm' } }))).toMatchObject({
      effect: 'not-applicable',
      explanation: { mismatch: { path: 'jwt.iss', expected: 'http://localhost:8180/realms/myrealm', actual: 'http://evil.example/realms/myrealm', reason: 'not equal' } },
    });
    expect(policy.evaluate(makePolicyRequest({ jwt: undefined }))).toMatchObject({ effect: 'not-applicable', explanation: { mismatch: { path: 'jwt', reason: 'not an object' } } });
  });

  it('matches an object when every key of the pattern matches, extra keys being fine', () => {
    expect(allows({ 'request-method': 'get', params: { 'resource/type': 'Patient' } })).toBe(true);
    expect(allows({ 'request-method': 'post' })).toBe(false);
    expect(allows({ params: { missing: 'Patient' } })).toBe(false);
  });

  it('compares numbers and booleans by equality', () => {
    const request = makePolicyRequest({ body: { count: 3, active: true } });
    expect(allows({ body: { count: 3, active: true } }, request)).toBe(true);
    expect(allows({ body: { count: '3' } }, request)).toBe(false);
    expect(allows({ body: { active: false } }, request)).toBe(false);
  });

  it('matches an array pattern element by element from the start', () => {
    const request = makePolicyRequest({ body: { list: [1, 2, 3] } });
    expect(allows({ body: { list: [1, 2] } }, request)).toBe(true);
    expect(allows({ body: { list: [2, 1] } }, request)).toBe(false);
    expect(allows({ body: { list: [1, 2, 3, 4] } }, request)).toBe(false);
    expect(matcho({ body: { list: [1, 5] } }).evaluate(request)).toMatchObject({ explanation: { mismatch: { path: 'body.list[1]', expected: 5, actual: 2 } } });
  });

  it('treats #… strings as regular expressions that must find a match in a string', () => {
    expect(allows({ uri: '#^/fhir/Patient/[^/]+$' })).toBe(true);
    expect(allows({ uri: '#/Patient' })).toBe(true);
    expect(allows({ uri: '#^/Patient' })).toBe(false);
    expect(allows({ operation: '#Fhir' })).toBe(false);
  });

  it('compares .a.b strings with that path of the request', () => {
    expect(allows({ params: { 'resource/id': '.user.data.patient_id' } })).toBe(true);
    expect(allows({ params: { 'resource/id': '.user.data.practitioner_id' } })).toBe(false);
  });

  it('never matches a .path whose value is absent, even when the compared value is absent too', () => {
    const policy = matcho({ params: { patient: '.user.data.patient' } });
    expect(policy.evaluate(makePolicyRequest())).toMatchObject({
      effect: 'not-applicable',
      explanation: { mismatch: { path: 'params.patient', expected: '.user.data.patient', reason: '.user.data.patient is absent' } },
    });
    expect(allows({ user: { id: '.jwt.nope' } })).toBe(false);
    expect(allows({ user: { id: '.jwt.sub' } })).toBe(true);
  });

  it('knows present?, nil? and not-blank?', () => {
    const request = makePolicyRequest({ body: { name: 'Ann', blank: '  ', nothing: null } });
    expect(allows({ user: 'present?' }, request)).toBe(true);
    expect(allows({ session: 'present?' }, request)).toBe(false);
    expect(allows({ body: { nothing: 'present?' } }, request)).toBe(false);
    expect(allows({ session: 'nil?', body: { nothing: 'nil?' } }, request)).toBe(true);
    expect(allows({ user: 'nil?' }, request)).toBe(false);
    expect(allows({ body: { name: 'not-blank?' } }, request)).toBe(true);
    expect(allows({ body: { blank: 'not-blank?' } }, request)).toBe(false);
    expect(allows({ body: { missing: 'not-blank?' } }, request)).toBe(false);
  });

  it('$enum: the value is one of the listed values', () => {
    expect(allows({ 'request-method': { $enum: ['get', 'post'] } })).toBe(true);
    expect(allows({ 'request-method': { $enum: ['put', 'delete'] } })).toBe(false);
  });

  it('$one-of: the value matches one of the patterns, which may be .paths', () => {
    expect(allows({ params: { '$one-of': [{ name: 'present?' }, { 'resource/id': 'present?', 'resource/type': 'Patient' }] } })).toBe(true);
    expect(allows({ params: { 'resource/id': { '$one-of': ['.user.data.practitioner_id', '.user.data.patient_id'] } } })).toBe(true);
    const policy = matcho({ params: { 'resource/id': { '$one-of': ['.user.data.practitioner_id', 'pt-2'] } } });
    const decision = policy.evaluate(makePolicyRequest());
    expect(decision).toMatchObject({ effect: 'not-applicable', explanation: { mismatch: { path: 'params.resource/id', reason: 'matches none of the alternatives' } } });
    expect((decision as { explanation: { mismatch: { alternatives: unknown[] } } }).explanation.mismatch.alternatives).toHaveLength(2);
  });

  it('$contains: some element of the collection matches', () => {
    const request = makePolicyRequest({ user: { id: 'u1', department: ['outpatient', 'inpatient'], identifier: [{ system: 'snomed' }, { system: 'loinc', value: 'x' }] } });
    expect(allows({ user: { department: { $contains: 'inpatient' } } }, request)).toBe(true);
    expect(allows({ user: { identifier: { $contains: { system: 'loinc' } } } }, request)).toBe(true);
    expect(allows({ user: { department: { $contains: 'surgery' } } }, request)).toBe(false);
    expect(allows({ user: { id: { $contains: 'u1' } } }, request)).toBe(false);
  });

  it('$every: every element of the collection matches', () => {
    const request = makePolicyRequest({ body: { col: [{ foo: 'bar' }, { foo: 'bar', baz: 'quux' }], mixed: [{ foo: 'bar' }, { foo: 'baz' }] } });
    expect(allows({ body: { col: { $every: { foo: 'bar' } } } }, request)).toBe(true);
    expect(matcho({ body: { mixed: { $every: { foo: 'bar' } } } }).evaluate(request)).toMatchObject({
      effect: 'not-applicable',
      explanation: { mismatch: { path: 'body.mixed[1].foo', expected: 'bar', actual: 'baz' } },
    });
  });

  it('$not: the value does not match the pattern', () => {
    const request = makePolicyRequest({ body: { message: { status: 'public' } } });
    expect(allows({ body: { message: { $not: { status: 'private' } } } }, request)).toBe(true);
    expect(allows({ body: { message: { $not: { status: 'public' } } } }, request)).toBe(false);
  });

  it('$reference: a reference string, a FHIR Reference or a stored reference read as {resourceType, id}', () => {
    const fhir = makePolicyRequest({ body: { subject: { reference: 'Patient/pt-1' } } });
    const stored = makePolicyRequest({ body: { subject: { resourceType: 'Patient', id: 'pt-1' } } });
    const text = makePolicyRequest({ body: { subject: 'Patient/pt-1' } });
    const pattern = { body: { subject: { $reference: { resourceType: 'Patient', id: '.user.data.patient_id' } } } };
    expect([fhir, stored, text].map((request) => allows(pattern, request))).toEqual([true, true, true]);
    expect(allows(pattern, makePolicyRequest({ body: { subject: { reference: 'Patient/pt-2' } } }))).toBe(false);
    expect(allows(pattern, makePolicyRequest({ body: { subject: { display: 'Ann' } } }))).toBe(false);
  });

  it('$present-all and $length: every listed pattern has a matching element, and the collection has that length', () => {
    const request = makePolicyRequest({ resource: { entries: [{ resourceType: 'Encounter' }, { resourceType: 'Patient' }] } as never });
    expect(allows({ resource: { entries: { $length: 2, '$present-all': [{ resourceType: 'Patient' }, { resourceType: 'Encounter' }] } } }, request)).toBe(true);
    expect(allows({ resource: { entries: { '$present-all': [{ resourceType: 'Patient' }, { resourceType: 'Observation' }] } } }, request)).toBe(false);
    expect(allows({ resource: { entries: { $length: 3 } } }, request)).toBe(false);
  });

  it('builds regular expressions once, when compiled, never per request', () => {
    const policy = matcho({ uri: '#^/fhir/' });
    const original = globalThis.RegExp;
    let constructed = 0;
    globalThis.RegExp = new Proxy(original, { construct: (target, args) => (constructed++, new target(...(args as [string]))) });
    try {
      for (let i = 0; i < 100; i++) policy.evaluate(makePolicyRequest());
    } finally {
      globalThis.RegExp = original;
    }
    expect(constructed).toBe(0);
  });
});
