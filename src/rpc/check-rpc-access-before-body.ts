import { checkAccessBeforeBody } from '../access/check-access-before-body';
import { RPC_OPERATION, toRpcPolicyRequest } from './authorize-rpc-call';
import type { RpcContext } from './rpc-context';

/**
 * An rpc call without credentials is refused before its body is read when nothing in the body
 * could admit it (src/access/check-access-before-body.ts): what a body supplies to a policy is
 * `rpc` (the method, params and any policy token). On a development server anyone may use the
 * policy tester, so there every body is read.
 */
export async function checkRpcAccessBeforeBody(ctx: RpcContext): Promise<void> {
  if (ctx.services.config.devMode) return;
  await checkAccessBeforeBody({ ...ctx, q: ctx.services.db }, RPC_OPERATION, toRpcPolicyRequest(ctx), ['rpc']);
}
