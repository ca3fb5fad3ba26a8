import type { RequestContext, ResourceRequest, ResourceResponse } from '../interactions/interaction-context';
import { parseBundle } from './bundle-entry';
import { runBatch } from './run-batch';
import { runTransaction } from './run-transaction';

/** POST /fhir and POST /: a transaction or batch Bundle; the answer is its -response Bundle. */
export async function processBundle(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const { type, entries } = parseBundle(req.body);
  const prefer = req.headers.prefer;
  const body = type === 'transaction' ? await runTransaction(ctx, entries, prefer) : await runBatch(ctx, entries, prefer);
  return { status: 200, body };
}
