import { decisionsOf, type PolicyEngine } from '../policy-engine';
import type { PolicyRequest } from '../policy-request';

/** The scope strings of the caller's credential: its Session's, our JWT's, or a foreign token's. */
function scopesOf(request: PolicyRequest): string[] {
  const fromSession = request.session?.scope;
  if (Array.isArray(fromSession)) return fromSession as string[];
  const claim = request.jwt?.scope ?? request.token?.scope;
  return typeof claim === 'string' ? claim.split(' ').filter(Boolean) : [];
}

const RESOURCE_SCOPE = /^(patient|user|system)\//;

/**
 * `engine: smart-on-fhir`, linked to a Client: "this app is governed by its scopes alone". It
 * admits any request whose credential carries SMART resource scopes; the scope stage that follows
 * every policy decision (src/smart/check-scopes.ts) then allows exactly what those scopes allow.
 * A credential without such scopes is not its business.
 */
export const smartOnFhirEngine: PolicyEngine = {
  name: 'smart-on-fhir',
  compile: ({ policyId }) => {
    const decide = decisionsOf('smart-on-fhir', policyId);
    const allow = decide.allow('the credential carries SMART scopes, which decide what it may do');
    const pass = decide.notApplicable('the credential carries no SMART resource scope');
    return { engine: 'smart-on-fhir', isAsync: false, evaluate: (request) => (scopesOf(request).some((scope) => RESOURCE_SCOPE.test(scope)) ? allow : pass) };
  },
  mayRead: (key) => key === 'session' || key === 'jwt' || key === 'token',
};
