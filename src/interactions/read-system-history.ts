import { readSystemHistory } from '../store/read-system-history';
import { parseHistoryParameters, toHistoryBundle } from './history-bundle';
import type { RequestContext, ResourceRequest, ResourceResponse } from './interaction-context';

/**
 * GET /_history (FHIR http.html#history, system level): every type's versions in one Bundle of
 * type history, newest first, with _since, _count and a next link like the type level. It reads
 * every type, so it is its own policy operation (FhirSystemHistory / SystemHistory): only a caller
 * allowed that gets it, and it then sees every type (secrets hidden as everywhere else).
 */
export async function readSystemHistoryBundle(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const params = parseHistoryParameters(req);
  const versions = await readSystemHistory(ctx.q, ctx.services.registry.resourceTypes, { since: params.since, count: params.count, beforeTxid: params.cursor });
  return { status: 200, body: toHistoryBundle(ctx.format, `${ctx.format.base}/_history`, params, versions) };
}
