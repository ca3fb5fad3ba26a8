import { constantRule, decisionsOf, type PolicyEngine } from '../policy-engine';

/** Allows every request it is asked about: the bootstrap identities' full access is one. */
export const allowEngine: PolicyEngine = {
  name: 'allow',
  compile: ({ policyId }) => constantRule(decisionsOf('allow', policyId).allow('the allow engine allows every request')),
  mayRead: () => false,
};
