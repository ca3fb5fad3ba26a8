import { badRequest, conflict, preconditionFailed } from '../errors/http-error';
import { findMatches } from '../search/find-matches';
import { readResource } from '../store/resource-store';
import { createOne } from './create-resource';
import type { RequestContext, ResourceRequest, ResourceResponse } from './interaction-context';
import { isPlainObject } from './prepare-resource';
import { updateOne } from './update-resource';
import { searchQueryOf } from './search-query-of';
import { withConditionLock } from './with-condition-lock';

/**
 * PUT /<Type>?search (FHIR http.html#cond-update): no match creates (a given id must be free),
 * one match is updated (a body id must be that one), several are 412. Search and write run under
 * the condition's lock, so parallel requests with one condition create once and update that one.
 */
export async function conditionalUpdate(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const resourceType = req.resourceType!;
  const query = searchQueryOf(req);
  return withConditionLock(ctx, resourceType, query, async (locked) => {
    const matches = await findMatches(locked.q, resourceType, query, 2, [locked.format.base]);
    if (matches.length > 1) throw preconditionFailed(`The condition matched ${matches.length} or more ${resourceType} resources`);
    const bodyId = isPlainObject(req.body) && typeof req.body.id === 'string' ? req.body.id : undefined;
    const plain = { ...req, query: {} };
    if (matches.length === 1) {
      if (bodyId !== undefined && bodyId !== matches[0].id) throw badRequest(`The body's id '${bodyId}' is not the id of the matching resource '${matches[0].id}'`);
      return updateOne(locked, { ...plain, id: matches[0].id });
    }
    if (bodyId !== undefined && (await readResource(locked.q, resourceType, bodyId))) {
      throw conflict(`${resourceType}/${bodyId} exists but does not match the condition`);
    }
    return createOne(locked, { ...plain, method: 'POST' });
  });
}
