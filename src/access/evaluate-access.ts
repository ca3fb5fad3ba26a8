import type { CompiledPolicy, PolicyRuntime } from './compile-policy';
import type { Decision } from './decision';
import type { PolicyIndex } from './policy-index';
import type { PolicyRequest } from './policy-request';

export interface AccessContext extends PolicyRuntime {
  /** The caller's Role resources (each with its `name`); a roleName policy sees the matching one as `role`. */
  roles?: ReadonlyArray<Record<string, unknown>>;
}

export interface AccessResult {
  allowed: boolean;
  /** Id of the policy that allowed. */
  decidedBy?: string;
  /** Every decision taken, in order, up to the one that allowed: what the debug output shows. */
  trace: Decision[];
}

/** Told each decision as it is taken; returning true stops the loop. */
export type OnDecision = (policy: CompiledPolicy, decision: Decision) => boolean | void;

/**
 * Default deny: the request is allowed when one of its candidate policies allows, and the first
 * that does decides (there are no deny rules, so the order changes only which policy is named).
 * The caller is found from `request.user.id`, `request.client.id` and `request.operation.id`.
 */
export async function evaluateAccess(index: PolicyIndex, request: PolicyRequest, context: AccessContext = {}): Promise<AccessResult> {
  const trace: Decision[] = [];
  const decidedBy = await judgeCandidates(index, request, context, (_policy, decision) => {
    trace.push(decision);
    return decision.effect === 'allow';
  });
  return decidedBy ? { allowed: true, decidedBy: decidedBy.id, trace } : { allowed: false, trace };
}

/**
 * The decision loop, shared by evaluateAccess (which stops at the first allow) and explainAccess
 * (which hears every candidate): the candidate policies in index order, a roleName policy once per
 * Role of that name the caller has, each decision told to `onDecision` until it says stop.
 * Returns the policy whose decision stopped it.
 */
export async function judgeCandidates(index: PolicyIndex, request: PolicyRequest, context: AccessContext, onDecision: OnDecision): Promise<CompiledPolicy | undefined> {
  const roles = context.roles ?? [];
  const candidates = index.candidates({
    userId: idOf(request.user),
    clientId: idOf(request.client),
    operationId: request.operation?.id,
    roleNames: roles.map((role) => role.name).filter((name): name is string => typeof name === 'string'),
  });
  for (const policy of candidates) {
    const seen = policy.roleName === undefined ? [request] : requestsFor(policy, request, roles);
    for (const one of seen) {
      // Most policies decide synchronously: awaiting only the ones that do not keeps the read path's cost.
      const decision = policy.isAsync ? await policy.evaluate(one, context) : (policy.evaluate(one, context) as Decision);
      if (onDecision(policy, decision)) return policy;
    }
  }
  return undefined;
}

/** A roleName policy is evaluated once per Role of that name the caller has, with it as `role`. */
function requestsFor(policy: CompiledPolicy, request: PolicyRequest, roles: ReadonlyArray<Record<string, unknown>>): PolicyRequest[] {
  const matching = roles.filter((role) => role.name === policy.roleName);
  return matching.length ? matching.map((role) => ({ ...request, role })) : [request];
}

function idOf(resource: Record<string, unknown> | undefined): string | undefined {
  return typeof resource?.id === 'string' ? resource.id : undefined;
}
