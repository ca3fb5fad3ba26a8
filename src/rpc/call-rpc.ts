import { badRequest, notFound } from '../errors/http-error';
import type { PolicyTokenClaims } from '../access/policy-request';
import { checkPolicyToken } from './check-policy-token';
import { checkRpcAccess } from './authorize-rpc-call';
import type { RpcContext } from './rpc-context';
import { invalidParams } from './rpc-method';
import { RPC_METHODS } from './rpc-methods';

/**
 * One rpc call `{method, params, policy?}`, stage by stage:
 *   read the envelope (400) → find the method (404: a method name is an address, like a path) →
 *   check the policy token it carries, if any → authorize (AccessPolicy, default deny: 401/403) →
 *   parse the params (422) → run the method.
 * Throws typed errors: handleRpc renders them as `{error}`, the /auth/test-policy alias as an
 * OperationOutcome. Authorization comes before the params are looked at, so a caller who may not
 * call learns nothing about what the method takes.
 */
export async function callRpc(ctx: RpcContext, body: unknown, methods = RPC_METHODS): Promise<unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badRequest('The body must be {"method": "<name>", "params": {...}}');
  const { method: name, params = {}, policy } = body as Record<string, unknown>;
  if (typeof name !== 'string' || name === '') throw badRequest('method must name an rpc method');
  const method = methods.get(name);
  if (!method) throw notFound(`There is no rpc method ${JSON.stringify(name)}`);
  if (typeof params !== 'object' || params === null || Array.isArray(params)) throw invalidParams([{ expression: 'params', message: 'params must be an object' }]);
  const policyToken: PolicyTokenClaims | undefined = policy === undefined ? undefined : await checkPolicyToken(ctx, policy);
  const call = { method: name, params: params as Record<string, unknown>, ...(policyToken ? { policyToken } : {}) };
  await checkRpcAccess(ctx, method, call);
  return method.handle({ ...ctx, methods }, method.parseParams(call.params));
}
