import { isSameJson } from '../is-same-json';
import { decisionsOf, type PolicyEngine } from '../policy-engine';

/**
 * Allows a call that carries a policy token signed by this server (minted by the rpc method
 * `lockbox.policy/create-policy-token`) naming this method with exactly these params. The token's
 * signature, issuer and expiry are checked before any policy runs (src/rpc/policy-token.ts), so
 * the rule only compares. Without a signed-rpc policy that applies to the caller, tokens grant
 * nothing: a global one lets anyone holding a token make the call it names.
 */
export const signedRpcEngine: PolicyEngine = {
  name: 'signed-rpc',
  compile({ policyId }) {
    const decide = decisionsOf('signed-rpc', policyId);
    const notRpc = decide.notApplicable('signed-rpc applies to rpc calls only');
    const noToken = decide.notApplicable('the call carries no policy token');
    const allowed = decide.allow('the policy token names this method with these params');
    return {
      engine: 'signed-rpc',
      isAsync: false,
      evaluate(request) {
        const call = request.rpc;
        if (!call) return notRpc;
        const methods = call.policyToken?.methods;
        if (!methods) return noToken;
        const granted = Object.hasOwn(methods, call.method) ? methods[call.method] : undefined;
        if (!granted) return decide.notApplicable(`the policy token does not name ${call.method}`);
        return isSameJson(granted.params ?? {}, call.params) ? allowed : decide.notApplicable('the params differ from those the policy token names');
      },
    };
  },
  mayRead: (key) => key === 'rpc',
};
