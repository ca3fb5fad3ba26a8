import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Database, PoolUse } from '../db/database';

/** What the server counts; rendered by GET /metrics in the Prometheus text format. */
export interface ServerMetrics {
  /** One finished request: its route pattern (never the raw path), method, status and duration. */
  requestFinished(labels: RequestLabels, seconds: number): void;
  /** A 403 from a route that AccessPolicy (or an rpc engine) guards. */
  policyDenied(labels: RequestLabels): void;
  /** /auth/token answered 200 with this grant (a grant-registry.ts type, so a short fixed list). */
  tokenIssued(grantType: string): void;
  readonly contentType: string;
  /** The exposition text: this server's metrics, then the process's. */
  render(): Promise<string>;
}

/** Label values of one request; the same object serves every metric it touches. */
export interface RequestLabels {
  route: string;
  method: string;
  status: string;
}

/**
 * Event-loop lag, heap, CPU and GC belong to the process, not to one server: prom-client starts an
 * event-loop delay monitor and a GC observer for every registry it collects them into, and never
 * stops them, so they are collected once per process and shared by every server in it (the test
 * suite runs hundreds).
 */
let processRegistry: Registry | undefined;
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * The metrics of one server, in a Registry of its own (never prom-client's global one). The pool
 * gauges read `pg.Pool` when Prometheus scrapes, not on every checkout; PGlite has no pool and
 * shows none.
 */
export function createServerMetrics(db: Pick<Database, 'poolUse'>): ServerMetrics {
  const registry = new Registry();
  const registers = [registry];
  const requests = new Counter({ name: 'lockbox_http_requests_total', help: 'HTTP requests by route pattern, method and status', labelNames: ['route', 'method', 'status'], registers });
  const durations = new Histogram({ name: 'lockbox_http_request_duration_seconds', help: 'Time from the request line to the response, by route pattern, method and status', labelNames: ['route', 'method', 'status'], registers });
  const denials = new Counter({ name: 'lockbox_policy_denials_total', help: 'Requests refused with 403 by AccessPolicy or an rpc engine', labelNames: ['route', 'method'], registers });
  const tokens = new Counter({ name: 'lockbox_tokens_issued_total', help: 'Token responses of /auth/token by grant type', labelNames: ['grant'], registers });
  if (db.poolUse) {
    const gauge = (name: string, help: string, read: (use: PoolUse) => number) =>
      new Gauge({ name, help, registers, collect() { this.set(read(db.poolUse!())); } });
    gauge('lockbox_db_pool_connections', 'Connections the PostgreSQL pool holds (idle and in use)', (use) => use.total);
    gauge('lockbox_db_pool_idle_connections', 'Connections of the pool waiting for work', (use) => use.idle);
    gauge('lockbox_db_pool_waiting_requests', 'Queries and transactions waiting for a connection', (use) => use.waiting);
  }
  return {
    requestFinished(labels, seconds) {
      requests.inc(labels);
      durations.observe(labels, seconds);
    },
    policyDenied({ route, method }) {
      denials.inc({ route, method });
    },
    tokenIssued(grant) {
      tokens.inc({ grant });
    },
    contentType: registry.contentType,
    async render() {
      // Two registries, no family in both: their texts one after the other are one valid exposition.
      return `${await registry.metrics()}\n${await processMetrics().metrics()}`;
    },
  };
}
