import { preconditionFailed } from '../errors/http-error';
import { insertResource, readResource, updateResource } from '../store/resource-store';
import type { RequestContext, ResourceRequest, ResourceResponse } from './interaction-context';
import { prepareResource } from './prepare-resource';
import { respondWithVersion } from './respond-with-version';
import { parseIfMatch } from './version-headers';

/**
 * PUT /<Type>/<id>: updates, or creates when the id is new (201). With If-Match the UPDATE itself
 * compares the version, so of many concurrent writers with one ETag exactly one succeeds.
 */
export async function updateOne(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const resourceType = req.resourceType!;
  const expected = parseIfMatch(req.headers['if-match']);
  const current = ctx.services.hooks.write.has(resourceType) ? await readResource(ctx.q, resourceType, req.id!) : undefined;
  const prepared = await prepareResource(ctx, resourceType, req.body, req.id, current?.resource);
  // Insert-or-update can race with another writer of the same new id: try again a few times.
  for (let attempt = 0; attempt < 3; attempt++) {
    const updated = await updateResource(ctx.q, resourceType, prepared.id, prepared.resource, expected);
    if (updated) return respondWithVersion(ctx, req, updated, 200);
    if (expected !== undefined) throw preconditionFailed(`${resourceType}/${prepared.id} is not at version ${expected}`);
    const created = await insertResource(ctx.q, resourceType, prepared.id, prepared.resource);
    if (created) return respondWithVersion(ctx, req, created, 201);
  }
  throw preconditionFailed(`${resourceType}/${prepared.id} is being changed concurrently; try again`);
}
