import { accessDenied, decideAccess } from '../access/authorize-request';
import type { PolicyRequest, PolicyRpcCall } from '../access/policy-request';
import { toPolicyRequest } from '../access/to-policy-request';
import type { RpcContext } from './rpc-context';
import type { RpcMethod } from './rpc-method';

/** What policies see as `operation.id` for every rpc call (`link: [{resourceType: Operation, id: Rpc}]`). */
export const RPC_OPERATION = 'Rpc';

/**
 * The request as policies see an rpc call: a POST to the path it came on, the caller as for any
 * request, and `rpc` — the method, its params and a checked policy token's grant. Without `call`,
 * the call before its body is read.
 */
export function toRpcPolicyRequest(ctx: RpcContext, call?: PolicyRpcCall): PolicyRequest {
  const request = toPolicyRequest({ method: 'POST', query: {}, headers: ctx.headers }, { operation: RPC_OPERATION }, ctx.uri, ctx.auth, ctx.edge, ctx.services.hooks.hiddenFields);
  return call ? { ...request, rpc: call } : request;
}

/**
 * Whether the caller may make this call: AccessPolicies decide, as for every request (default
 * deny); the bootstrap root and admin policies (engine allow) allow every call. A method open on
 * development servers needs no policy there.
 */
export async function mayCallRpc(ctx: RpcContext, method: RpcMethod, call: PolicyRpcCall): Promise<boolean> {
  const { services, auth } = ctx;
  if (method.openOnDevServer && services.config.devMode) return true;
  const result = await decideAccess(services.access, services.db, services.db, toRpcPolicyRequest(ctx, call), auth);
  return result.allowed;
}

/** Throws the refusal that says nothing about policies (401 without credentials, 403 with) unless the call is allowed. */
export async function checkRpcAccess(ctx: RpcContext, method: RpcMethod, call: PolicyRpcCall): Promise<void> {
  if (!(await mayCallRpc(ctx, method, call))) throw accessDenied(ctx.auth);
}
