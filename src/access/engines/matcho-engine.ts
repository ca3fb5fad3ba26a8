import { compileMatcho } from '../compile-matcho';
import { decisionsOf, unusableRule, type PolicyEngine } from '../policy-engine';

/** Allows a request that matches the pattern in `matcho` (see compile-matcho.ts for the semantics). */
export const matchoEngine: PolicyEngine = {
  name: 'matcho',
  compile({ config, at, policyId, problems }) {
    if (typeof config.matcho !== 'object' || config.matcho === null || Array.isArray(config.matcho)) {
      problems.push({ expression: `${at}.matcho`, message: 'the matcho engine needs a pattern object in matcho' });
      return unusableRule('matcho', policyId);
    }
    const matcher = compileMatcho(config.matcho, `${at}.matcho`, problems);
    const decide = decisionsOf('matcho', policyId);
    const allowed = decide.allow('the request matches the pattern');
    return {
      engine: 'matcho',
      isAsync: false,
      evaluate(request) {
        const mismatch = matcher(request, request);
        return mismatch ? decide.notApplicable(`${mismatch.path}: ${mismatch.reason}`, { mismatch }) : allowed;
      },
    };
  },
};
