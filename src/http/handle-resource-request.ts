import type { Services, ResourceRequest, ResourceResponse, ResourceFormat } from '../interactions/interaction-context';
import { resolveRoute } from './resolve-route';

export interface ParsedPath {
  fhir: boolean;
  segments: string[];
}

/**
 * The resource API's pipeline, one stage per line:
 *   resolve the operation → authenticate → authorize → execute.
 * Authentication and authorization plug in here as their issues land; until then the API is open.
 */
export async function handleResourceRequest(services: Services, format: ResourceFormat, path: ParsedPath, req: ResourceRequest): Promise<ResourceResponse> {
  const route = resolveRoute(req.method, path.segments, path.fhir, services.registry);
  const request: ResourceRequest = { ...req, resourceType: route.resourceType, id: route.id, versionId: route.versionId };
  return route.interaction({ services, q: services.db, format }, request);
}
