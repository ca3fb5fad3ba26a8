import { isAdministrator } from '../../access/is-administrator';
import { testPolicy } from '../../access/test-policy';
import type { Decision } from '../../access/decision';
import { invalidParams, type ParamProblem, type RpcMethod } from '../rpc-method';
import { isPlainObject } from '../../interactions/prepare-resource';

/**
 * `lockbox.policy/test {policy, request}` → `{decision}`: how an AccessPolicy (not saved) judges a
 * made-up request, as the policies would see it. POST /auth/test-policy is the same call.
 */
export const testPolicyMethod: RpcMethod<{ policy: Record<string, unknown>; request: Record<string, unknown> }, { decision: Decision }> = {
  name: 'lockbox.policy/test',
  openOnDevServer: true,
  parseParams(params) {
    const problems: ParamProblem[] = [];
    if (!isPlainObject(params.policy)) problems.push({ expression: 'params.policy', message: 'policy must be an AccessPolicy object' });
    if (!isPlainObject(params.request)) problems.push({ expression: 'params.request', message: 'request must be an object: the request as a policy sees it' });
    if (problems.length) throw invalidParams(problems);
    return { policy: params.policy as Record<string, unknown>, request: params.request as Record<string, unknown> };
  },
  handle: (ctx, { policy, request }) => testPolicy(ctx.services.db, isAdministrator(ctx.auth), policy, request),
};
