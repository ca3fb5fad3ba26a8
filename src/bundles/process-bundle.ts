import type { InteractionContext, ResourceRequest, ResourceResponse } from '../interactions/interaction-context';
import { parseBundle } from './bundle-entry';
import { runBatch } from './run-batch';
import { runTransaction } from './run-transaction';

/** POST /fhir and POST /: a transaction or batch Bundle; the answer is its -response Bundle. */
export async function processBundle(ctx: InteractionContext, req: ResourceRequest): Promise<ResourceResponse> {
  const { type, entries } = parseBundle(req.body);
  const scope = { services: ctx.services, format: ctx.format, q: ctx.q, auth: ctx.auth, edge: ctx.edge };
  const prefer = req.headers.prefer;
  const body = type === 'transaction' ? await runTransaction(scope, entries, prefer) : await runBatch(scope, entries, prefer, req.headers['x-request-id']);
  return { status: 200, body };
}
