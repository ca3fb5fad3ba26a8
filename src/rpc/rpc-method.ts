import { unprocessable } from '../errors/http-error';
import type { RpcContext } from './rpc-context';

/**
 * One rpc method, registered by name in rpc-methods.ts. Its calls are authorized by AccessPolicies
 * (call-rpc.ts) before its params are parsed; the handler runs only with params it accepted.
 */
export interface RpcMethod<Params = unknown, Result = unknown> {
  /** `<namespace>/<verb>`, e.g. `lockbox.policy/test`. */
  readonly name: string;
  /**
   * On a development server (BOX_SECURITY_DEV_MODE) anyone may call it without a policy, as anyone
   * may ask `x-debug: policy` there. Only for methods that show, never change.
   */
  readonly openOnDevServer?: boolean;
  /** The call's params → what the handler takes; throws invalidParams (422) listing every problem. */
  parseParams(params: Record<string, unknown>): Params;
  handle(ctx: RpcCallContext, params: Params): Promise<Result>;
}

/** What a handler runs with: the caller's context and the methods it may name (a token names some). */
export interface RpcCallContext extends RpcContext {
  readonly methods: ReadonlyMap<string, RpcMethod>;
}

export interface ParamProblem {
  /** Where, from `params`: `params.policy`, `params.methods.x`. */
  expression: string;
  message: string;
}

export function invalidParams(problems: ParamProblem[]) {
  return unprocessable(problems.map((problem) => ({ expression: problem.expression, diagnostics: problem.message })));
}
