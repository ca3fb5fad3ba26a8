import { describe, expect, it } from '@jest/globals';
import { evaluateAccess } from '../../src/access/evaluate-access';
import { buildPolicyIndex } from '../../src/access/policy-index';
import type { PolicyError } from '../../src/access/policy-error';
import { makePolicyRequest } from './make-policy-request';

const policy = (id: string, resource: Record<string, unknown>) => ({ id, resource: { resourceType: 'AccessPolicy', ...resource } });
const allowFor = (id: string, resourceType: string, linked: string) => policy(id, { engine: 'allow', link: [{ resourceType, id: linked }] });
const ids = (list: Array<{ id: string | undefined }>) => list.map((item) => item.id);

const policies = [
  allowFor('admin-user', 'User', 'admin'),
  allowFor('web-client', 'Client', 'web'),
  allowFor('reads', 'Operation', 'FhirRead'),
  policy('doctors', { engine: 'matcho', roleName: 'doctor', matcho: { role: { links: { practitioner: { id: '.user.data.practitioner_id' } } } } }),
  policy('realm-tokens', { engine: 'matcho', matcho: { jwt: { iss: 'http://localhost:8180/realms/myrealm' } } }),
  policy('two-links', { engine: 'allow', link: [{ resourceType: 'User', id: 'u1' }, { resourceType: 'Client', id: 'web' }] }),
];

describe('buildPolicyIndex', () => {
  const index = buildPolicyIndex(policies);

  it('gives a caller only its own linked, role and global policies, each once', () => {
    expect(ids(index.candidates({}))).toEqual(['realm-tokens']);
    expect(ids(index.candidates({ userId: 'admin' }))).toEqual(['admin-user', 'realm-tokens']);
    expect(ids(index.candidates({ userId: 'u1', clientId: 'web' }))).toEqual(['two-links', 'web-client', 'realm-tokens']);
    expect(ids(index.candidates({ operationId: 'FhirRead', roleNames: ['doctor', 'nurse'] }))).toEqual(['reads', 'doctors', 'realm-tokens']);
    expect(ids(index.candidates({ userId: 'someone-else', clientId: 'other', operationId: 'FhirDelete', roleNames: ['nurse'] }))).toEqual(['realm-tokens']);
  });

  it('skips and reports a stored policy that does not compile, and keeps the others', () => {
    const skipped: Array<[string, PolicyError]> = [];
    const partial = buildPolicyIndex([policy('old-broken', { engine: 'matcho', matcho: { uri: '#(' } }), allowFor('fine', 'User', 'u1')], (id, error) => skipped.push([id, error]));
    expect(partial.size).toBe(1);
    expect(skipped.map(([id, error]) => [id, error.problems[0].expression])).toEqual([['old-broken', 'AccessPolicy.matcho.uri']]);
    expect(ids(partial.candidates({ userId: 'u1' }))).toEqual(['fine']);
  });
});

describe('evaluateAccess', () => {
  const index = buildPolicyIndex(policies);

  it('denies by default when no policy exists', async () => {
    expect(await evaluateAccess(buildPolicyIndex([]), makePolicyRequest())).toEqual({ allowed: false, trace: [] });
  });

  it('is decided by the first candidate that allows, with the trace up to it', async () => {
    const result = await evaluateAccess(index, makePolicyRequest({ user: { id: 'admin' }, client: undefined, operation: { id: 'FhirCreate' } }));
    expect(result).toMatchObject({ allowed: true, decidedBy: 'admin-user' });
    expect(result.trace.map((decision) => decision.policyId)).toEqual(['admin-user']);
  });

  it('allows through a link to the Client or to the Operation', async () => {
    const stranger = { user: { id: 'nobody' }, jwt: { iss: 'elsewhere' } };
    expect(await evaluateAccess(index, makePolicyRequest({ ...stranger, client: { id: 'web' }, operation: { id: 'FhirCreate' } }))).toMatchObject({ allowed: true, decidedBy: 'web-client' });
    expect(await evaluateAccess(index, makePolicyRequest({ ...stranger, client: { id: 'cli' }, operation: { id: 'FhirRead' } }))).toMatchObject({ allowed: true, decidedBy: 'reads' });
  });

  it('allows through the global tutorial policy, and denies with the reasons when nothing allows', async () => {
    const request = makePolicyRequest({ user: { id: 'nobody' }, client: { id: 'cli' }, operation: { id: 'FhirCreate' } });
    expect(await evaluateAccess(index, request)).toMatchObject({ allowed: true, decidedBy: 'realm-tokens' });
    const denied = await evaluateAccess(index, { ...request, jwt: { iss: 'http://evil.example' } });
    expect(denied.allowed).toBe(false);
    expect(denied.trace).toEqual([
      expect.objectContaining({ policyId: 'realm-tokens', effect: 'not-applicable', explanation: expect.objectContaining({ mismatch: expect.objectContaining({ path: 'jwt.iss' }) }) }),
    ]);
  });

  it('evaluates a roleName policy with the caller\'s Role of that name as `role`', async () => {
    const request = makePolicyRequest({ user: { id: 'u9', data: { practitioner_id: 'pr-1' } }, client: { id: 'cli' }, operation: { id: 'FhirCreate' }, jwt: {} });
    const role = (practitioner: string) => ({ resourceType: 'Role', name: 'doctor', user: { resourceType: 'User', id: 'u9' }, links: { practitioner: { resourceType: 'Practitioner', id: practitioner } } });
    expect(await evaluateAccess(index, request, { roles: [role('pr-7'), role('pr-1')] })).toMatchObject({ allowed: true, decidedBy: 'doctors' });
    expect(await evaluateAccess(index, request, { roles: [role('pr-7')] })).toMatchObject({ allowed: false });
    expect(await evaluateAccess(index, request)).toMatchObject({ allowed: false });
  });
});
