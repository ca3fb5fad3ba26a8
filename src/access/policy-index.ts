import { compilePolicy, type CompiledPolicy } from './compile-policy';
import { PolicyError } from './policy-error';

/** Who is asking: only the buckets for these keys are looked at. */
export interface CandidateQuery {
  userId?: string;
  clientId?: string;
  operationId?: string;
  roleNames?: readonly string[];
}

export interface PolicyIndex {
  /** Number of policies that compiled. */
  readonly size: number;
  /**
   * The policies that concern the caller: linked to its User, Client or Operation, named by one of
   * its roles, and the global ones (no link, no roleName); each once. The cost depends on these
   * buckets only, never on the policies linked to somebody else.
   */
  candidates(query: CandidateQuery): CompiledPolicy[];
}

/** A policy that could not be compiled when loaded: skipped, so it allows nothing. */
export type OnPolicySkipped = (policyId: string, error: PolicyError) => void;

/**
 * Compiles stored AccessPolicy resources and buckets them by link, by roleName and global. A policy
 * written before validation existed, or otherwise broken, is skipped and reported, never fatal.
 * Immutable: a change of policies builds a new index.
 */
export function buildPolicyIndex(policies: Iterable<{ id: string; resource: Record<string, unknown> }>, onSkipped: OnPolicySkipped = () => undefined): PolicyIndex {
  const byLink = new Map<string, CompiledPolicy[]>();
  const byRole = new Map<string, CompiledPolicy[]>();
  const global: CompiledPolicy[] = [];
  let size = 0;
  const add = (map: Map<string, CompiledPolicy[]>, key: string, policy: CompiledPolicy) => {
    const bucket = map.get(key);
    if (bucket) bucket.push(policy);
    else map.set(key, [policy]);
  };
  for (const { id, resource } of policies) {
    let policy: CompiledPolicy;
    try {
      policy = compilePolicy({ ...resource, id });
    } catch (error) {
      onSkipped(id, error instanceof PolicyError ? error : new PolicyError([{ expression: 'AccessPolicy', message: String((error as Error)?.message ?? error) }]));
      continue;
    }
    size++;
    for (const link of policy.links) add(byLink, `${link.resourceType}/${link.id}`, policy);
    if (policy.roleName !== undefined) add(byRole, policy.roleName, policy);
    if (!policy.links.length && policy.roleName === undefined) global.push(policy);
  }
  return {
    size,
    candidates({ userId, clientId, operationId, roleNames = [] }) {
      const found: CompiledPolicy[] = [];
      // A policy with several links (or a link and a roleName) sits in several buckets.
      const seen = new Set<CompiledPolicy>();
      const collect = (bucket: CompiledPolicy[] | undefined) => {
        if (!bucket) return;
        for (const policy of bucket) {
          if (seen.has(policy)) continue;
          seen.add(policy);
          found.push(policy);
        }
      };
      if (userId !== undefined) collect(byLink.get(`User/${userId}`));
      if (clientId !== undefined) collect(byLink.get(`Client/${clientId}`));
      if (operationId !== undefined) collect(byLink.get(`Operation/${operationId}`));
      for (const name of roleNames) collect(byRole.get(name));
      // Global policies sit in no other bucket.
      for (const policy of global) found.push(policy);
      return found;
    },
  };
}
