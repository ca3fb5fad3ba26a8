import { decisionsOf, unusableRule, type PolicyEngine } from '../policy-engine';
import { parseRpcField } from './parse-rpc-field';

/** Allows a call of any method listed in `rpc` with `true` (`rpc: {lockbox.policy/test: true}`), whatever its params. */
export const allowRpcEngine: PolicyEngine = {
  name: 'allow-rpc',
  compile({ config, at, policyId, problems }) {
    const entries = parseRpcField(config, at, problems);
    if (!entries) return unusableRule('allow-rpc', policyId);
    const listed = new Set<string>();
    for (const [method, value] of entries) {
      if (typeof value !== 'boolean') problems.push({ expression: `${at}.rpc.${method}`, message: 'allow-rpc lists each method with true (or false)' });
      else if (value) listed.add(method);
    }
    const decide = decisionsOf('allow-rpc', policyId);
    const notRpc = decide.notApplicable('allow-rpc applies to rpc calls only');
    const allowed = decide.allow('the method is listed');
    return {
      engine: 'allow-rpc',
      isAsync: false,
      evaluate(request) {
        if (!request.rpc) return notRpc;
        return listed.has(request.rpc.method) ? allowed : decide.notApplicable(`${request.rpc.method} is not listed`);
      },
    };
  },
  mayRead: (key) => key === 'rpc',
};
