import type { RequestContext, ResourceRequest, ResourceResponse } from '../interactions/interaction-context';
import { callRpc } from './call-rpc';
import { checkRpcAccessBeforeBody } from './check-rpc-access-before-body';
import { handleRpc } from './handle-rpc';
import type { RpcContext } from './rpc-context';

const rpcContextOf = (ctx: RequestContext, req: ResourceRequest): RpcContext => ({ services: ctx.services, auth: ctx.auth, edge: ctx.edge, uri: req.uri ?? '/rpc', headers: req.headers });

/** POST /rpc: `{method, params}` → `{result}`, or `{error}` with the error's own status. */
export async function rpcEndpoint(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  return handleRpc(rpcContextOf(ctx, req), req.body);
}

/** POST /auth/test-policy, the policy tester's older address: its params are the body, its answer the bare result. */
export async function testPolicyAlias(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  return { status: 200, body: await callRpc(rpcContextOf(ctx, req), { method: 'lockbox.policy/test', params: req.body ?? {} }) };
}

/** The pipeline's "authorize before the body" for rpc calls (check-rpc-access-before-body.ts). */
export function rpcAccessBeforeBody(ctx: RequestContext, req: ResourceRequest): Promise<void> {
  return checkRpcAccessBeforeBody(rpcContextOf(ctx, req));
}
