import { accessDenied, decideAccess } from '../access/authorize-request';
import { toPolicyRequest } from '../access/to-policy-request';
import type { RequestContext, ResourceRequest, ResourceResponse } from '../interactions/interaction-context';
import { metricsOf } from './metrics-of';

/** The policy operation that GET /metrics is authorized as. */
export const METRICS_OPERATION = 'Metrics';

/**
 * GET /metrics: the Prometheus text format (exposition format 0.0.4). Authorized here rather than
 * by the pipeline because BOX_METRICS_PUBLIC opens it to anyone, which a route's fixed `public`
 * flag cannot say; otherwise it is an AccessPolicy decision on operation `Metrics` like any other
 * (the bootstrap `root` and `admin` have it through their allow policies).
 */
export async function metricsEndpoint(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const { services, auth } = ctx;
  if (!services.config.metricsPublic) {
    const request = toPolicyRequest(req, { operation: METRICS_OPERATION }, req.uri ?? '/metrics', auth, ctx.edge, services.hooks.hiddenFields);
    if (!(await decideAccess(services.access, services.db, ctx.q, request, auth)).allowed) throw accessDenied(auth);
  }
  const metrics = metricsOf(services);
  return { status: 200, text: { contentType: metrics.contentType, value: await metrics.render() }, headers: { 'cache-control': 'no-store' } };
}
