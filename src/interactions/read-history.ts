import { notFound } from '../errors/http-error';
import { readHistory, readLatestVersion } from '../store/resource-store';
import { parseHistoryParameters, toHistoryBundle } from './history-bundle';
import type { RequestContext, ResourceRequest, ResourceResponse } from './interaction-context';

/** GET /<Type>/_history and /<Type>/<id>/_history: a Bundle of type history, newest first, deletions included. */
export async function readHistoryBundle(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const resourceType = req.resourceType!;
  const params = parseHistoryParameters(req);
  const versions = await readHistory(ctx.q, resourceType, { id: req.id, since: params.since, count: params.count, beforeTxid: params.cursor });
  // An id that never existed has no history to list (a deleted one still has its versions).
  if (req.id && versions.length === 0 && !(await readLatestVersion(ctx.q, resourceType, req.id))) throw notFound(`${resourceType}/${req.id} has never existed`);
  const path = `${ctx.format.base}/${resourceType}${req.id ? `/${req.id}` : ''}/_history`;
  return { status: 200, body: toHistoryBundle(ctx.format, path, params, versions) };
}
