import type { AuthContext } from '../auth/auth-context';
import type { Queryable } from '../db/database';
import type { Services } from '../interactions/interaction-context';
import { accessDenied, decideAccess } from './authorize-request';
import type { CompiledPolicy } from './compile-policy';
import type { Decision } from './decision';
import type { PolicyRequest } from './policy-request';

/**
 * A caller without credentials is refused before its body is read, when no policy could let the
 * body change that: an anonymous 800 kB YAML or 6 MB JSON body would otherwise cost a parse (and
 * a place in the YAML worker's queue) on its way to a 401. Decided on the request without its
 * body; when that denies and some policy that could apply might read what the body supplies
 * (`keys`: `body`; for a form-encoded search the `params` it carries; for an rpc call its `rpc`)
 * and did not already fail on another part of the request, the body is read and the request is
 * decided in full as usual. Identified callers are decided after the body, once.
 */
export async function checkAccessBeforeBody(
  ctx: { services: Services; auth: AuthContext; q: Queryable },
  operation: string,
  request: PolicyRequest,
  keys: readonly string[],
): Promise<void> {
  const { services, auth, q } = ctx;
  if (auth.method) return;
  const result = await decideAccess(services.access, services.db, q, request, auth);
  if (result.allowed) return;
  const decisions = new Map(result.trace.map((decision) => [decision.policyId, decision]));
  const index = await services.access.index(q);
  const bodyMatters = index.candidates({ operationId: operation }).some((policy) => keys.some((key) => policy.mayRead(key)) && !failsElsewhere(policy, decisions.get(policy.id), keys));
  if (!bodyMatters) throw accessDenied(auth);
}

const isUnder = (path: string, key: string) => path === key || path.startsWith(`${key}.`) || path.startsWith(`${key}[`);

/**
 * A matcho pattern is a conjunction: when a part that reads neither these keys nor refers to them
 * (`.body.x`) fails, no body can make the whole pattern match. Other engines are not taken apart.
 */
function failsElsewhere(policy: CompiledPolicy, decision: Decision | undefined, keys: readonly string[]): boolean {
  const path = decision?.engine === 'matcho' ? decision.explanation.mismatch?.path : undefined;
  if (!path) return false;
  return !keys.some((key) => isUnder(path, key) || policy.mayRead(`.${key}`));
}
