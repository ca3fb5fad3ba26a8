import type { PolicyProblem } from '../policy-error';

/**
 * The `rpc` field of the rpc engines, as the reference writes it: method name → what the engine
 * makes of it (`true` for allow-rpc, a pattern for matcho-rpc). Undefined when it is unusable.
 */
export function parseRpcField(config: Record<string, unknown>, at: string, problems: PolicyProblem[]): Array<[string, unknown]> | undefined {
  const rpc = config.rpc;
  if (typeof rpc !== 'object' || rpc === null || Array.isArray(rpc) || Object.keys(rpc).length === 0) {
    problems.push({ expression: `${at}.rpc`, message: `the ${String(config.engine)} engine needs rpc: an object with one key per method name` });
    return undefined;
  }
  return Object.entries(rpc as Record<string, unknown>);
}
