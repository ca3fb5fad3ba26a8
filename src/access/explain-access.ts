import type { AuthContext } from '../auth/auth-context';
import type { Database, Queryable } from '../db/database';
import type { AccessPolicies } from './access-policies';
import { loadAccessContext } from './authorize-request';
import type { Decision } from './decision';
import { judgeCandidates } from './evaluate-access';
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
 * with the expected and actual values). The same loop as the decision itself, run to the end: the
 * first allow it hears is the one that decides.
 */
export async function explainAccess(policies: AccessPolicies, db: Database, q: Queryable, request: PolicyRequest, auth: AuthContext): Promise<AccessExplanation> {
  const { index, context } = await loadAccessContext(policies, db, q, auth);
  const candidates: AccessExplanation['candidates'] = [];
  let decidedBy: { id: string | undefined } | undefined;
  await judgeCandidates(index, request, context, (policy, decision) => {
    if (decision.effect === 'allow') decidedBy ??= policy;
    candidates.push({
      policy: policy.id,
      links: policy.links.map((link) => `${link.resourceType}/${link.id}`),
      ...(policy.roleName !== undefined ? { roleName: policy.roleName } : {}),
      decision,
    });
  });
  const decided = decidedBy?.id !== undefined ? { decidedBy: decidedBy.id } : {};
  return { resourceType: 'AccessDecision', allowed: decidedBy !== undefined, ...decided, request, candidates };
}
