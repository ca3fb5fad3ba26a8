import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import { loadConfig } from '../../src/config/load-config';
import type { Database } from '../../src/db/database';
import { openPgDatabase } from '../../src/db/open-pg-database';
import { openPgliteDatabase } from '../../src/db/open-pglite-database';
import { createApp } from '../../src/http/create-app';
import { createLogger } from '../../src/log/logger';
import { createServices, type RunningServices } from '../../src/server/start-server';
import { adminQuery, databaseUrl, usePglite } from './test-database';

export interface TestServer {
  services: RunningServices;
  /** supertest bound to the app: `server.http.get('/fhir/Patient/1')`. */
  http: ReturnType<typeof supertest>;
  /** Plain SQL on the server's own database, as an operator in psql would run it. */
  sql<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Log lines the server wrote (JSON), to prove what is and is not logged. */
  logs: string[];
  /** Listens on a loopback port when a real HTTP peer needs a URL. */
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * A server on a database of its own: a copy of the run's migrated template on PostgreSQL, or an
 * in-memory PGlite when LOCKBOX_TEST_DB=pglite. Dropped again by close().
 */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  let db: Database;
  let dbName: string | undefined;
  if (usePglite()) {
    db = await openPgliteDatabase();
  } else {
    dbName = `lockbox_test_${randomBytes(6).toString('hex')}`;
    const template = process.env.LOCKBOX_TEMPLATE_DB;
    await adminQuery(`create database "${dbName}"${template ? ` template "${template}"` : ''}`);
    db = await openPgDatabase(databaseUrl(dbName), 5);
  }
  const logs: string[] = [];
  const config = loadConfig({ BOX_WEB_BASE_URL: 'http://localhost:8080', BOX_LOG_LEVEL: 'debug', ...env, ...(dbName ? { DATABASE_URL: databaseUrl(dbName) } : {}) });
  const services = await createServices(config, { db, logger: createLogger('debug', (line) => logs.push(line)) });
  const app = createApp(services);
  let server: Server | undefined;
  return {
    services,
    http: supertest(app),
    logs,
    async sql(text, params = []) {
      return (await db.query(text, params)).rows as never;
    },
    async listen() {
      server = await new Promise<Server>((resolve) => {
        const s = app.listen(0, '127.0.0.1', () => resolve(s));
      });
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async close() {
      if (server) await new Promise((resolve) => server!.close(resolve));
      await services.close();
      if (dbName) await adminQuery(`drop database if exists "${dbName}" with (force)`);
    },
  };
}
