import type { RequestContext } from '../interactions/interaction-context';
import type { Restriction } from '../search/parse-search-query';
import { isStoredWithin, outsideScopes, restrictionOf } from './scope-restriction';
import type { SmartAccess } from './smart-access';
import type { Permission } from './smart-scope';

/** What the handlers of a request made with a SMART token must keep to. */
export interface ScopeGate {
  /** The condition every search, and every body written, must also meet. */
  restriction: Restriction;
}

/** Which permission each operation needs (SMART 2 scopes: c r u d s). `Fhir` twins need the same. */
const PERMISSIONS: Record<string, Permission> = {
  Read: 'r',
  Vread: 'r',
  Search: 's',
  CompartmentSearch: 's',
  Create: 'c',
  Update: 'u',
  Patch: 'u',
  Delete: 'd',
  ConditionalUpdate: 'u',
  ConditionalDelete: 'd',
  Validate: 'r',
  History: 'r',
};

/** Operations whose bundle entries (or nothing at all) are what is checked. */
const NOT_GOVERNED = new Set(['Transaction', 'Metadata']);

export interface ScopeTarget {
  operation: string;
  resourceType?: string;
  id?: string;
  /** The compartment of a compartment search (`Patient/<id>/<Type>`). */
  compartmentId?: string;
}

/**
 * The scope stage, after AccessPolicy (scopes narrow, never widen): the interaction must be one a
 * scope grants on the type, else 403. An instance the request addresses must lie within the
 * scopes (a patient/ token reading another patient's Observation is 403). What handlers must
 * still keep to — the search condition, the body written — is returned as the gate.
 */
export async function checkScopes(ctx: RequestContext, access: SmartAccess, target: ScopeTarget): Promise<ScopeGate | undefined> {
  const operation = target.operation.replace(/^Fhir/, '');
  if (NOT_GOVERNED.has(operation)) return undefined;
  const permission = PERMISSIONS[operation];
  if (!permission || !target.resourceType) {
    // Every type's history, and anything else not tied to one type's permissions.
    const everything = access.scopes.some((scope) => scope.resourceType === '*' && scope.context !== 'patient' && scope.permissions.has('s') && !scope.restriction);
    if (!everything) throw outsideScopes(`The token's scopes do not allow ${operation}`);
    return undefined;
  }
  // A type's history (no id) is a search of every version: it cannot be confined, so it needs s unconfined.
  const needed: Permission = operation === 'History' && !target.id ? 's' : permission;
  const restriction = restrictionOf(access, target.resourceType, needed);
  if (!restriction) return undefined;
  if (operation === 'History' && !target.id) throw outsideScopes(`The token's scopes confine ${target.resourceType}; its history cannot be read as a whole`);
  if (operation === 'ConditionalUpdate' || operation === 'ConditionalDelete') {
    throw outsideScopes(`Conditional ${operation === 'ConditionalUpdate' ? 'updates' : 'deletes'} are not available to a token whose scopes confine ${target.resourceType}`);
  }
  if (target.id && operation !== 'Create') {
    const within = await isStoredWithin(ctx.q, restriction, target.id, [ctx.format.base]);
    if (within === false) throw outsideScopes(`${target.resourceType}/${target.id} lies outside the token's scopes`);
  }
  return { restriction };
}
