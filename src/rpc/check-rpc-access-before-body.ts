import { accessDenied, decideAccess } from '../access/authorize-request';
import { RPC_OPERATION, toRpcPolicyRequest } from './authorize-rpc-call';
import type { RpcContext } from './rpc-context';

/**
 * A caller without credentials is refused before its body is read when nothing in the body could
 * admit it: the call is decided without its body, and refused when that denies and no policy that
 * could apply reads `rpc` (the rpc engines do: a policy token travels in the body). Identified
 * callers are decided once, after the body. On a development server anyone may use the policy
 * tester, so there every body is read.
 */
export async function checkRpcAccessBeforeBody(ctx: RpcContext): Promise<void> {
  const { services, auth } = ctx;
  if (auth.method || services.config.devMode) return;
  const result = await decideAccess(services.access, services.db, services.db, toRpcPolicyRequest(ctx), auth);
  if (result.allowed) return;
  const index = await services.access.index(services.db);
  if (index.candidates({ operationId: RPC_OPERATION }).some((policy) => policy.mayRead('rpc'))) return;
  throw accessDenied(auth);
}
