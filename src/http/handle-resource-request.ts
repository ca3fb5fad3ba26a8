import type { AuthContext } from '../auth/auth-context';
import { checkBootstrapAccess } from '../auth/check-bootstrap-access';
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
}

/**
 * The resource API's pipeline after the HTTP edge has parsed the request and authenticated the
 * caller, one stage per line:
 *   resolve the operation → authorize → execute.
 * Bundle entries re-enter here, so whatever guards a single request guards each entry.
 */
export async function handleResourceRequest(scope: RequestScope, path: ParsedPath, req: ResourceRequest): Promise<ResourceResponse> {
  const route = resolveRoute(req.method, path.segments, path.fhir, scope.services.registry);
  const request: ResourceRequest = { ...req, resourceType: route.resourceType, id: route.id, versionId: route.versionId };
  // authorize(scope, route, request) plugs in here (AccessPolicy issue); until then only the
  // bootstrap identities pass.
  if (!route.public) checkBootstrapAccess(scope.auth);
  return route.interaction({ services: scope.services, q: scope.q, format: scope.format, auth: scope.auth }, request);
}
