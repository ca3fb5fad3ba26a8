import type { AuthContext } from '../auth/auth-context';
import type { EdgeFacts } from '../interactions/interaction-context';
import { withoutPaths } from '../interactions/secret-paths';
import type { PolicyRequest } from './policy-request';

/** Never shown to a policy (nor in the debug output): credentials and stored secret hashes. */
const HIDDEN_HEADERS = new Set(['authorization', 'cookie']);

/** Per-type fields never shown (ResourceHooks.hiddenFields): the same lists every presenter uses. */
export type HiddenFields = ReadonlyMap<string, readonly string[]>;

/**
 * What a policy sees of an identity. Identities come from the identity cache, so the same object
 * is asked about on every request of a caller: its visible copy is made once per object.
 */
const visibleCopies = new WeakMap<Record<string, unknown>, Record<string, unknown>>();
function visible(entity: { id: string; resource: Record<string, unknown> }, hidden: readonly string[] | undefined): Record<string, unknown> {
  const cached = visibleCopies.get(entity.resource);
  if (cached?.id === entity.id) return cached;
  const copy = { ...(hidden ? withoutPaths(entity.resource, hidden) : entity.resource), id: entity.id };
  visibleCopies.set(entity.resource, copy);
  return copy;
}

/** What a policy is shown of a request: a ResourceRequest is one (declared here, so access needs no interactions types). */
export interface PolicyRequestSource {
  method: string;
  /** Query parameters; a repeated parameter has several values. */
  query: Record<string, string[]>;
  /** Lowercased header names. */
  headers: Record<string, string | undefined>;
  body?: unknown;
}

/** The request as AccessPolicies see it, with the reference product's keys. */
export function toPolicyRequest(
  req: PolicyRequestSource,
  route: { operation: string; resourceType?: string; id?: string },
  uri: string,
  auth: AuthContext,
  edge: EdgeFacts,
  hidden: HiddenFields,
): PolicyRequest {
  const params: Record<string, unknown> = {};
  const form = new URLSearchParams();
  for (const name in req.query) {
    const values = req.query[name];
    params[name] = values.length === 1 ? values[0] : values;
    for (const value of values) form.append(name, value);
  }
  const queryString = form.size ? form.toString() : '';
  // resource/type and resource/id come from the route alone: a query parameter of that name must
  // never stand in for them (?resource/id=… on a search or create).
  delete params['resource/type'];
  delete params['resource/id'];
  if (route.resourceType) params['resource/type'] = route.resourceType;
  if (route.id) params['resource/id'] = route.id;
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) if (!HIDDEN_HEADERS.has(name)) headers[name] = value;
  return {
    'request-method': req.method.toLowerCase(),
    uri,
    ...(queryString ? { 'query-string': queryString } : {}),
    params,
    headers,
    ...(req.body !== undefined ? { body: req.body } : {}),
    ...(auth.user ? { user: visible(auth.user, hidden.get('User')) } : {}),
    ...(auth.client ? { client: visible(auth.client, hidden.get('Client')) } : {}),
    ...(auth.session ? { session: visible(auth.session, hidden.get('Session')) } : {}),
    ...(auth.claims ? { jwt: auth.claims } : {}),
    ...(auth.token ? { token: auth.token } : {}),
    operation: { id: route.operation },
    ...(edge.remoteAddr ? { 'remote-addr': edge.remoteAddr } : {}),
    scheme: edge.scheme,
  };
}
