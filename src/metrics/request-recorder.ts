import type { AuthContext } from '../auth/auth-context';
import type { Logger } from '../log/logger';
import type { Route } from '../pipeline/route';
import { routePattern } from './route-pattern';
import type { ServerMetrics } from './server-metrics';

/** What the HTTP edge knows of a request once its response is written. */
export interface FinishedRequest {
  requestId: string;
  method: string;
  /** The route it matched, when it matched one. */
  route: Route | undefined;
  status: number;
  /** performance.now() when the request arrived. */
  started: number;
  auth: AuthContext | undefined;
}

/** Route kinds whose 403 is a policy's decision (AccessPolicy, rpc engines): what the denial counter counts. */
const POLICY_GUARDED: ReadonlySet<Route['kind']> = new Set(['resource', 'rpc']);

/**
 * One JSON log line and the request metrics per request. The line names the route pattern, never
 * the path, the query, a header or a body: ids in paths and query values may be personal data
 * (HIPAA §164.514(b)(2) lists them as identifiers), and tokens, secrets and cookies travel in headers and bodies.
 */
export function createRequestRecorder(logger: Logger, metrics: ServerMetrics): (request: FinishedRequest) => void {
  return ({ requestId, method, route, status, started, auth }) => {
    const ms = performance.now() - started;
    const labels = { route: routePattern(route), method, status: String(status) };
    metrics.requestFinished(labels, ms / 1000);
    if (status === 403 && route && POLICY_GUARDED.has(route.kind)) metrics.policyDenied(labels);
    logger.log('info', 'request', {
      requestId,
      method,
      route: labels.route,
      status,
      durationMs: Math.round(ms * 10) / 10,
      ...(auth?.user ? { userId: auth.user.id } : {}),
      ...(auth?.client ? { clientId: auth.client.id } : {}),
    });
  };
}
