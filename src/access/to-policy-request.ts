import type { AuthContext } from '../auth/auth-context';
import type { ResourceRequest } from '../interactions/interaction-context';
import type { PolicyRequest } from './policy-request';

/** Never shown to a policy (nor in the debug output): credentials and stored secret hashes. */
const HIDDEN_HEADERS = new Set(['authorization', 'cookie']);
const HIDDEN_FIELDS = ['password', 'secret', 'access_token', 'refresh_token', 'authorization_code'];

function visible(entity: { id: string; resource: Record<string, unknown> } | undefined): Record<string, unknown> | undefined {
  if (!entity) return undefined;
  const copy: Record<string, unknown> = { ...entity.resource, id: entity.id };
  for (const field of HIDDEN_FIELDS) delete copy[field];
  return copy;
}

export interface EdgeFacts {
  remoteAddr?: string;
  scheme: string;
}

/** The request as AccessPolicies see it, with the reference product's keys. */
export function toPolicyRequest(
  req: ResourceRequest,
  route: { operation: string; resourceType?: string; id?: string },
  uri: string,
  auth: AuthContext,
  edge: EdgeFacts,
): PolicyRequest {
  const params: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(req.query)) params[name] = values.length === 1 ? values[0] : values;
  // resource/type and resource/id come from the route alone: a query parameter of that name must
  // never stand in for them (?resource/id=… on a search or create).
  delete params['resource/type'];
  delete params['resource/id'];
  if (route.resourceType) params['resource/type'] = route.resourceType;
  if (route.id) params['resource/id'] = route.id;
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) if (!HIDDEN_HEADERS.has(name)) headers[name] = value;
  const queryString = new URLSearchParams(Object.entries(req.query).flatMap(([name, values]) => values.map((value) => [name, value] as [string, string]))).toString();
  return {
    'request-method': req.method.toLowerCase(),
    uri,
    ...(queryString ? { 'query-string': queryString } : {}),
    params,
    headers,
    ...(req.body !== undefined ? { body: req.body } : {}),
    ...(auth.user ? { user: visible(auth.user) } : {}),
    ...(auth.client ? { client: visible(auth.client) } : {}),
    ...(auth.session ? { session: visible(auth.session) } : {}),
    ...(auth.claims ? { jwt: auth.claims } : {}),
    ...(auth.token ? { token: auth.token } : {}),
    operation: { id: route.operation },
    ...(edge.remoteAddr ? { 'remote-addr': edge.remoteAddr } : {}),
    scheme: edge.scheme,
  };
}
