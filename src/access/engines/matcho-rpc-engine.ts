import { compileMatcho, type Matcher } from '../compile-matcho';
import { decisionsOf, unusableRule, type PolicyEngine } from '../policy-engine';
import { parseRpcField } from './parse-rpc-field';

/**
 * Allows a call of a method listed in `rpc` when the call matches that method's matcho pattern.
 * The pattern sees the request as policies see it, with `method` and `params` the call's own (the
 * URL's query parameters give way to them): `{params: {id: '.user.data.patient'}, user: {...}}`.
 * `true` instead of a pattern allows every call of the method.
 */
export const matchoRpcEngine: PolicyEngine = {
  name: 'matcho-rpc',
  compile({ config, at, policyId, problems }) {
    const entries = parseRpcField(config, at, problems);
    if (!entries) return unusableRule('matcho-rpc', policyId);
    const matchers = new Map<string, Matcher | true>();
    for (const [method, pattern] of entries) {
      if (pattern === true) matchers.set(method, true);
      else if (typeof pattern === 'object' && pattern !== null && !Array.isArray(pattern)) matchers.set(method, compileMatcho(pattern, `${at}.rpc.${method}`, problems));
      else problems.push({ expression: `${at}.rpc.${method}`, message: 'matcho-rpc gives each method a pattern object (or true)' });
    }
    const decide = decisionsOf('matcho-rpc', policyId);
    const notRpc = decide.notApplicable('matcho-rpc applies to rpc calls only');
    const allowed = decide.allow('the call matches the pattern of its method');
    return {
      engine: 'matcho-rpc',
      isAsync: false,
      evaluate(request) {
        const call = request.rpc;
        if (!call) return notRpc;
        const matcher = matchers.get(call.method);
        if (!matcher) return decide.notApplicable(`${call.method} is not listed`);
        if (matcher === true) return allowed;
        const subject = { ...request, method: call.method, params: call.params };
        const mismatch = matcher(subject, subject);
        return mismatch ? decide.notApplicable(`${mismatch.path}: ${mismatch.reason}`, { mismatch }) : allowed;
      },
    };
  },
};
