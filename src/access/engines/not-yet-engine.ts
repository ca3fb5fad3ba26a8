import { constantRule, decisionsOf, type PolicyEngine } from '../policy-engine';

/**
 * An engine of the reference for a feature this server does not offer yet: such a policy is
 * accepted and stored (so a configuration written for the reference loads) but never allows.
 */
export function notYetEngine(name: string, feature: string): PolicyEngine {
  return {
    name,
    compile: ({ policyId }) => constantRule(decisionsOf(name, policyId).notApplicable(`the ${name} engine applies to ${feature}, which this server does not offer yet`)),
  };
}
