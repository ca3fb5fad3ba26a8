import type { AuthContext } from '../auth/auth-context';
import { resourceScopesOf, type ResourceScope } from './smart-scope';

/** What a SMART token lets its bearer do: its resource scopes and the patient it was launched with. */
export interface SmartAccess {
  scopes: ResourceScope[];
  /** The launch patient (`patient` of the token response); patient/ scopes confine to its compartment. */
  patient?: string;
}

const idOf = (value: unknown): string | undefined => {
  if (typeof value === 'string' && value) return value.replace(/^Patient\//, '');
  const id = (value as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' && id ? id : undefined;
};

/**
 * The SMART access of a caller, or undefined when its token carries no SMART resource scope (a
 * password grant, a cookie, Basic): those are governed by AccessPolicies alone. Our own tokens keep
 * their patient on the Session; a foreign token (TokenIntrospector) carries it as a claim.
 */
export function smartAccessOf(auth: AuthContext, isResourceType: (type: string) => boolean): SmartAccess | undefined {
  if (!auth.scope?.length) return undefined;
  let scopes: ResourceScope[];
  try {
    scopes = resourceScopesOf(auth.scope, isResourceType);
  } catch {
    // A stored scope that no longer parses (a type since removed) makes the token grant nothing, not everything.
    return { scopes: [] };
  }
  if (!scopes.length) return undefined;
  const patient = idOf(auth.session?.resource.patient) ?? idOf(auth.claims?.patient) ?? idOf(auth.token?.patient);
  return { scopes, patient };
}
