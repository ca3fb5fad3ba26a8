import { preconditionFailed } from '../errors/http-error';
import { findMatches } from '../search/find-matches';
import { deleteOne } from './delete-resource';
import type { RequestContext, ResourceRequest, ResourceResponse } from './interaction-context';
import { searchQueryOf } from './search-query-of';
import { withConditionLock } from './with-condition-lock';

/**
 * DELETE /<Type>?search (FHIR http.html#cdelete), single-match mode: no match is 204, one match is
 * deleted, several are 412. At least one search parameter is required (a bare DELETE /<Type> is not
 * "delete everything"). Under the condition's lock, like conditional create and update, so a
 * conditional update racing it with the same condition either updates before or creates after.
 */
export async function conditionalDelete(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const resourceType = req.resourceType!;
  const query = searchQueryOf(req);
  return withConditionLock(ctx, resourceType, query, async (locked) => {
    const matches = await findMatches(locked.q, resourceType, query, 2, [locked.format.base]);
    if (matches.length > 1) throw preconditionFailed(`The condition matched ${matches.length} or more ${resourceType} resources; delete them one by one`);
    if (!matches.length) return { status: 204 };
    return deleteOne(locked, { ...req, query: {}, id: matches[0].id });
  });
}
