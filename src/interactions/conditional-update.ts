import { badRequest, conflict, preconditionFailed } from '../errors/http-error';
import { findMatches } from '../search/find-matches';
import { readResource } from '../store/resource-store';
import { createResource } from './create-resource';
import type { InteractionContext, ResourceRequest, ResourceResponse } from './interaction-context';
import { isPlainObject } from './prepare-resource';
import { updateOne } from './update-resource';
import { searchQueryOf } from './search-query-of';

/**
 * PUT /<Type>?search (FHIR http.html#cond-update): no match creates (a given id must be free),
 * one match is updated (a body id must be that one), several are 412.
 */
export async function conditionalUpdate(ctx: InteractionContext, req: ResourceRequest): Promise<ResourceResponse> {
  const resourceType = req.resourceType!;
  const matches = await findMatches(ctx.q, resourceType, searchQueryOf(req), 2, [ctx.format.base]);
  if (matches.length > 1) throw preconditionFailed(`The condition matched ${matches.length} or more ${resourceType} resources`);
  const bodyId = isPlainObject(req.body) && typeof req.body.id === 'string' ? req.body.id : undefined;
  const plain = { ...req, query: {} };
  if (matches.length === 1) {
    if (bodyId !== undefined && bodyId !== matches[0].id) throw badRequest(`The body's id '${bodyId}' is not the id of the matching resource '${matches[0].id}'`);
    return updateOne(ctx, { ...plain, id: matches[0].id });
  }
  if (bodyId !== undefined && (await readResource(ctx.q, resourceType, bodyId))) {
    throw conflict(`${resourceType}/${bodyId} exists but does not match the condition`);
  }
  const { 'if-none-exist': _ignored, ...headers } = req.headers;
  return createResource(ctx, { ...plain, method: 'POST', headers });
}
