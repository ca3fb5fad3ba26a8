import type { AuthContext } from '../auth/auth-context';
import { accessDenied, decideAccess } from '../access/authorize-request';
import { explainAccess } from '../access/explain-access';
import { toPolicyRequest, type EdgeFacts } from '../access/to-policy-request';
import type { Queryable } from '../db/database';
import type { ResourceFormat, ResourceRequest, ResourceResponse, Services } from '../interactions/interaction-context';
import { resolveRoute } from './resolve-route';

export interface ParsedPath {
  fhir: boolean;
  segments: string[];
}

/** What one request runs with: the services, its path style, its database handle and its caller. */
export interface RequestScope {
  services: Services;
  format: ResourceFormat;
  /** The database, or the open transaction of the bundle this request is an entry of. */
  q: Queryable;
  auth: AuthContext;
  /** Facts of the HTTP connection the request (or its bundle) came on. */
  edge: EdgeFacts;
}

function wantsExplanation(scope: RequestScope, req: ResourceRequest): boolean {
  const asked = req.headers['x-debug'] === 'policy' || req.query._debug?.[0] === 'policy';
  if (!asked) return false;
  // An administrator (the bootstrap identities), or anyone on a development server.
  return scope.services.config.devMode || scope.auth.user?.id === 'admin' || (!scope.auth.user && scope.auth.client?.id === 'root');
}

/**
 * The resource API's pipeline after the HTTP edge has parsed the request and authenticated the
 * caller, one stage per line:
 *   resolve the operation → authorize (AccessPolicy, default deny) → execute.
 * Bundle entries re-enter here, so whatever guards a single request guards each entry.
 */
export async function handleResourceRequest(scope: RequestScope, path: ParsedPath, req: ResourceRequest): Promise<ResourceResponse> {
  const route = resolveRoute(req.method, path.segments, path.fhir, scope.services.registry);
  const request: ResourceRequest = { ...req, resourceType: route.resourceType, id: route.id, versionId: route.versionId };
  if (!route.public) {
    const { services, q, auth } = scope;
    const uri = req.uri ?? `/${[...(path.fhir ? ['fhir'] : []), ...path.segments].map(encodeURIComponent).join('/')}`;
    const policyRequest = toPolicyRequest(request, route, uri, auth, scope.edge, services.hooks.hiddenFields);
    if (wantsExplanation(scope, request)) return { status: 200, body: await explainAccess(services.access, services.db, q, policyRequest, auth) };
    const decision = await decideAccess(services.access, services.db, q, policyRequest, auth);
    if (!decision.allowed) throw accessDenied(auth);
  }
  return route.interaction({ services: scope.services, q: scope.q, format: scope.format, auth: scope.auth, edge: scope.edge }, request);
}
