import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
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

/** The bootstrap credentials every test server starts with. */
export const ROOT_SECRET = 'root-secret-for-tests';
export const ADMIN_PASSWORD = 'admin-password-for-tests';

export interface TestServer {
  services: RunningServices;
  /** supertest bound to the app, authenticated as Client `root` (Basic): `server.http.get('/fhir/Patient/1')`. */
  http: ReturnType<typeof supertest>;
  /** supertest bound to the app without credentials. */
  anonymous: ReturnType<typeof supertest>;
  /** The base URL (issuer) when started with { listen: true }. */
  url: string;
  /** What the server printed to the console (generated bootstrap credentials). */
  printed: string[];
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
const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

/** supertest whose every request carries HTTP Basic for the given client; a later .set() overrides it. */
function withBasic(agent: ReturnType<typeof supertest>, id: string, secret: string): ReturnType<typeof supertest> {
  return new Proxy(agent, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !METHODS.has(prop)) return value;
      return (...args: unknown[]) => (value as (...a: unknown[]) => { auth(u: string, p: string): unknown }).apply(target, args).auth(id, secret);
    },
  });
}

/**
 * options.listen: listen on a loopback port first and use that URL as the base URL (the issuer),
 * for real OAuth clients that check the issuer against the URL they were given.
 */
export async function startTestServer(env: Record<string, string> = {}, options: { listen?: boolean; databaseServer?: string } = {}): Promise<TestServer> {
  let db: Database;
  let dbName: string | undefined;
  // A PostgreSQL server of the test's own (test/support/own-cluster.ts): migrated from scratch.
  const own = options.databaseServer;
  if (usePglite() && !own) {
    db = await openPgliteDatabase();
  } else {
    dbName = `lockbox_test_${randomBytes(6).toString('hex')}`;
    const template = own ? undefined : process.env.LOCKBOX_TEMPLATE_DB;
    await adminQuery(`create database "${dbName}"${template ? ` template "${template}"` : ''}`, own);
    db = await openPgDatabase(databaseUrl(dbName, own), 5);
  }
  const logs: string[] = [];
  const printed: string[] = [];
  let server: Server | undefined;
  let app: ReturnType<typeof createApp> | undefined;
  let url = 'http://localhost:8080';
  if (options.listen) {
    server = await new Promise<Server>((resolve) => {
      const s = createServer((req, res) => app!(req, res)).listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const config = loadConfig({
    BOX_WEB_BASE_URL: url,
    BOX_LOG_LEVEL: 'debug',
    BOX_ROOT_CLIENT_SECRET: ROOT_SECRET,
    BOX_ADMIN_PASSWORD: ADMIN_PASSWORD,
    BOX_AUTH_BCRYPT_COST: '4',
    ...env,
    ...(dbName ? { DATABASE_URL: databaseUrl(dbName, own) } : {}),
  });
  const services = await createServices(config, { db, logger: createLogger('debug', (line) => logs.push(line)), print: (text) => printed.push(text) });
  app = createApp(services);
  const rootSecret = config.auth.rootClientSecret ?? ROOT_SECRET;
  return {
    services,
    http: withBasic(supertest(app), 'root', rootSecret),
    anonymous: supertest(app),
    url,
    printed,
    logs,
    async sql(text, params = []) {
      return (await db.query(text, params)).rows as never;
    },
    async listen() {
      if (server) return url;
      server = await new Promise<Server>((resolve) => {
        const s = createServer(app!).listen(0, '127.0.0.1', () => resolve(s));
      });
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async close() {
      if (server) await new Promise((resolve) => server!.close(resolve));
      await services.close();
      if (dbName) await adminQuery(`drop database if exists "${dbName}" with (force)`, own);
    },
  };
}
