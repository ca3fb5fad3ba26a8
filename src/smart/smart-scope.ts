import { invalidScope } from '../oauth/oauth-error';

/**
 * SMART App Launch 2.2 scopes (scopes-and-launch-context.html): resource scopes
 * `<patient|user|system>/<Type|*>.<permissions>[?param=value&…]`, launch-context scopes and the
 * OpenID / refresh-token scopes. Pure: the resource types come from the caller's registry.
 */

export type ScopeContext = 'patient' | 'user' | 'system';
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';

export interface ResourceScope {
  raw: string;
  context: ScopeContext;
  /** A resource type name, or `*` for every type (now and later, §Wildcard scopes). */
  resourceType: string;
  permissions: ReadonlySet<Permission>;
  version: 1 | 2;
  /** v2 `?param=value&…` (only with permissions within r and s), in order, values decoded; undefined when none. */
  restriction?: Array<[string, string]>;
}

export type SmartScope =
  | { kind: 'resource'; raw: string; scope: ResourceScope }
  | { kind: 'launch' | 'launch/patient' | 'launch/encounter' | 'openid' | 'fhirUser' | 'profile' | 'offline_access' | 'online_access'; raw: string }
  | { kind: 'other'; raw: string };

const NAMED_SCOPES = new Set(['launch', 'launch/patient', 'launch/encounter', 'openid', 'fhirUser', 'profile', 'offline_access', 'online_access'] as const);
type NamedKind = typeof NAMED_SCOPES extends Set<infer K> ? K : never;

const CONTEXTS: readonly ScopeContext[] = ['patient', 'user', 'system'];

/** §Clinical Scope Syntax: "valid suffixes are a subset of the in-order string `.cruds`". */
const V2_PERMISSIONS = /^c?r?u?d?s?$/;

/** v1 permissions and their v2 meaning (§Scopes for requesting clinical data: read ⇒ rs, write ⇒ cud, * ⇒ cruds). */
const V1_PERMISSIONS: Record<string, readonly Permission[]> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': ['c', 'r', 'u', 'd', 's'],
};

/** A search parameter name, with chains (`patient.birthdate`) and modifiers (`code:in`, `_has:…`). */
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_\-]*(?:[.:][A-Za-z0-9_\-]+)*$/;

/** Whether a scope string is a SMART resource scope at all (patient/…, user/…, system/…). */
export function isResourceScope(raw: string): boolean {
  return CONTEXTS.some((context) => raw.startsWith(`${context}/`));
}

/**
 * One scope string. A string that starts like a resource scope must be one: the spec lets a server
 * ignore or reject undefined or out-of-order permissions (`.dus`); ignoring would grant something
 * other than what the client believes it asked for, so they are refused as invalid_scope
 * (RFC 6749 §4.1.2.1).
 */
export function parseSmartScope(raw: string, isResourceType: (type: string) => boolean): SmartScope {
  if (NAMED_SCOPES.has(raw as NamedKind)) return { kind: raw as NamedKind, raw };
  if (!isResourceScope(raw)) return { kind: 'other', raw };
  return { kind: 'resource', raw, scope: parseResourceScope(raw, isResourceType) };
}

function parseResourceScope(raw: string, isResourceType: (type: string) => boolean): ResourceScope {
  const refuse = (why: string) => invalidScope(`Malformed SMART scope '${raw}': ${why}`);
  const slash = raw.indexOf('/');
  const context = raw.slice(0, slash) as ScopeContext;
  const question = raw.indexOf('?');
  const body = question < 0 ? raw.slice(slash + 1) : raw.slice(slash + 1, question);
  const query = question < 0 ? undefined : raw.slice(question + 1);

  const parts = body.split('.');
  if (parts.length !== 2) throw refuse('expected <Type|*>.<permissions>');
  const [resourceType, letters] = parts as [string, string];
  if (resourceType !== '*' && !isResourceType(resourceType)) throw refuse(`'${resourceType}' is not a resource type of this server`);

  const v1 = Object.hasOwn(V1_PERMISSIONS, letters) ? V1_PERMISSIONS[letters] : undefined;
  if (!v1 && (letters === '' || !V2_PERMISSIONS.test(letters))) throw refuse(`'${letters}' is neither read, write, * nor a subset of cruds in that order`);
  const permissions = new Set<Permission>(v1 ?? ([...letters] as Permission[]));

  if (query === undefined) return { raw, context, resourceType, permissions, version: v1 ? 1 : 2 };
  // Restrictions are SMART 2 syntax (§Finer-grained resource constraints) and narrow what is read
  // or searched; a create, update or delete has no result set for them to filter.
  if (v1) throw refuse('search-parameter restrictions need v2 permissions (e.g. .rs)');
  if ([...permissions].some((permission) => permission !== 'r' && permission !== 's')) throw refuse('a restriction applies only to r and s');
  return { raw, context, resourceType, permissions, version: 2, restriction: parseRestriction(query, refuse) };
}

/**
 * `param=value&…` as a FHIR search query string (FHIR http.html#search): application/x-www-form-
 * urlencoded, so `+` is a space and `%XX` is decoded — the same reading the server gives the
 * request's own search parameters.
 */
function parseRestriction(query: string, refuse: (why: string) => Error): Array<[string, string]> {
  return query.split('&').map((item) => {
    const equals = item.indexOf('=');
    if (equals <= 0) throw refuse(`'${item}' is not param=value`);
    const name = decode(item.slice(0, equals), refuse);
    const value = decode(item.slice(equals + 1), refuse);
    if (!PARAM_NAME.test(name)) throw refuse(`'${name}' is not a search parameter name`);
    if (value === '') throw refuse(`search parameter '${name}' has no value`);
    return [name, value];
  });
}

function decode(text: string, refuse: (why: string) => Error): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    throw refuse(`'${text}' is not correctly percent-encoded`);
  }
}

/** The resource scopes among granted scope strings (others ignored); malformed ones throw as parseSmartScope does. */
export function resourceScopesOf(scopes: readonly string[], isResourceType: (type: string) => boolean): ResourceScope[] {
  return scopes.filter(isResourceScope).map((raw) => parseResourceScope(raw, isResourceType));
}

/** The scopes that grant `permission` on `resourceType` (the exact type or `*`). */
export function scopesPermitting(scopes: readonly ResourceScope[], resourceType: string, permission: Permission): ResourceScope[] {
  return scopes.filter((scope) => (scope.resourceType === '*' || scope.resourceType === resourceType) && scope.permissions.has(permission));
}

/**
 * The permission each FHIR restful interaction needs (§Scopes for requesting clinical data): reads,
 * vreads and instance history are `r`; type and system search and history are `s`; an update that
 * creates (upsert) is still `u`. Batch and transaction have none: their entries are checked one
 * by one (§Batches and Transactions).
 */
export const PERMISSION_OF_INTERACTION: Readonly<Record<string, Permission>> = {
  create: 'c',
  read: 'r',
  vread: 'r',
  'history-instance': 'r',
  update: 'u',
  patch: 'u',
  delete: 'd',
  'search-type': 's',
  'history-type': 's',
  'search-system': 's',
  'history-system': 's',
};
