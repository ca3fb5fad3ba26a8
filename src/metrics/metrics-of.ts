import type { Database } from '../db/database';
import { createServerMetrics, type ServerMetrics } from './server-metrics';

const byServer = new WeakMap<object, ServerMetrics>();

/**
 * The metrics of the server these services belong to, made on first use: the HTTP edge, the
 * token endpoint and GET /metrics each reach them from the services they are handed, and they go
 * away with them.
 */
export function metricsOf(services: { readonly db: Pick<Database, 'poolUse'> }): ServerMetrics {
  let metrics = byServer.get(services);
  if (!metrics) {
    metrics = createServerMetrics(services.db);
    byServer.set(services, metrics);
  }
  return metrics;
}
