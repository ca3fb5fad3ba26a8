import { preconditionFailed } from '../errors/http-error';
import { findMatches } from '../search/find-matches';
import { deleteOne } from './delete-resource';
import type { InteractionContext, ResourceRequest, ResourceResponse } from './interaction-context';
import { searchQueryOf } from './search-query-of';

/**
 * DELETE /<Type>?search (FHIR http.html#cdelete), single-match mode: no match is 204, one match is
 * deleted, several are 412. At least one search parameter is required (a bare DELETE /<Type> is not
 * "delete everything").
 */
export async function conditionalDelete(ctx: InteractionContext, req: ResourceRequest): Promise<ResourceResponse> {
  const resourceType = req.resourceType!;
  const matches = await findMatches(ctx.q, resourceType, searchQueryOf(req), 2, [ctx.format.base]);
  if (matches.length > 1) throw preconditionFailed(`The condition matched ${matches.length} or more ${resourceType} resources; delete them one by one`);
  if (!matches.length) return { status: 204 };
  return deleteOne(ctx, { ...req, query: {}, id: matches[0].id });
}
