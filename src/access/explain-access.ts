import type { AuthContext } from '../auth/auth-context';
import type { Database, Queryable } from '../db/database';
import type { AccessPolicies } from './access-policies';
import type { Decision } from './decision';
import { decideAccess, policyDatabase } from './authorize-request';
import type { PolicyRequest } from './policy-request';

export interface AccessExplanation {
  resourceType: 'AccessDecision';
  allowed: boolean;
  decidedBy?: string;
  /** The request exactly as the policies saw it (credentials and secret hashes left out). */
  request: PolicyRequest;
  /** Every candidate policy with its own result — unlike the decision itself, not cut short. */
  candidates: Array<{ policy: string | undefined; links: string[]; roleName?: string; decision: Decision }>;
}

/**
 * What `x-debug: policy` answers instead of executing the request: the decision, the request as
 * the policies saw it, and every candidate policy's result (for matcho, the first path that failed
 * with the expected and actual values).
 */
export async function explainAccess(policies: AccessPolicies, db: Database, q: Queryable, request: PolicyRequest, auth: AuthContext): Promise<AccessExplanation> {
  const result = await decideAccess(policies, db, q, request, auth);
  const index = await policies.index(q);
  const roles = auth.user ? await policies.rolesOf(q, auth.user.id) : [];
  const candidates = index.candidates({
    userId: auth.user?.id,
    clientId: auth.client?.id,
    operationId: request.operation?.id,
    roleNames: roles.map((role) => role.name).filter((name): name is string => typeof name === 'string'),
  });
  const explained: AccessExplanation['candidates'] = [];
  for (const policy of candidates) {
    const role = policy.roleName === undefined ? undefined : roles.find((one) => one.name === policy.roleName);
    const decision = await policy.evaluate(role ? { ...request, role } : request, { db: policyDatabase(db, q) });
    explained.push({
      policy: policy.id,
      links: policy.links.map((link) => `${link.resourceType}/${link.id}`),
      ...(policy.roleName !== undefined ? { roleName: policy.roleName } : {}),
      decision,
    });
  }
  return { resourceType: 'AccessDecision', allowed: result.allowed, ...(result.decidedBy ? { decidedBy: result.decidedBy } : {}), request, candidates: explained };
}
