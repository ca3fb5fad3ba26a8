import { conflict, preconditionFailed } from '../errors/http-error';
import { findMatches } from '../search/find-matches';
import { insertResource } from '../store/resource-store';
import type { RequestContext, ResourceRequest, ResourceResponse } from './interaction-context';
import { prepareResource } from './prepare-resource';
import { respondWithVersion } from './respond-with-version';
import { withConditionLock } from './with-condition-lock';

/** POST /<Type>: 201; a client-supplied id is kept, a taken one is 409. If-None-Exist: 0 / 1 / many. */
export async function createResource(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const resourceType = req.resourceType!;
  const condition = req.headers['if-none-exist'];
  if (!condition) return createOne(ctx, req);
  const query = new URLSearchParams(condition.replace(/^.*\?/, ''));
  // Search and insert under the condition's lock: parallel requests with it create only once.
  return withConditionLock(ctx, resourceType, query, async (locked) => {
    const matches = await findMatches(locked.q, resourceType, query);
    if (matches.length > 1) throw preconditionFailed(`If-None-Exist matched ${matches.length} or more ${resourceType} resources`);
    if (matches.length === 1) return respondWithVersion(locked, req, matches[0], 200);
    return createOne(locked, req);
  });
}

/** The create itself, without a condition (or once the condition matched nothing). */
export async function createOne(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const resourceType = req.resourceType!;
  const prepared = await prepareResource(ctx, resourceType, req.body, undefined);
  const version = await insertResource(ctx.q, resourceType, prepared.id, prepared.resource);
  if (!version) throw conflict(`${resourceType}/${prepared.id} already exists`, 'duplicate');
  return respondWithVersion(ctx, req, version, 201);
}
