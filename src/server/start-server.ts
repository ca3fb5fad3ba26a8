import type { Server } from 'node:http';
import type { Config } from '../config/load-config';
import type { Database } from '../db/database';
import { openDatabase } from '../db/open-database';
import { runMigrations } from '../db/run-migrations';
import { createApp } from '../http/create-app';
import type { Services } from '../interactions/interaction-context';
import { createResourceHooks } from '../interactions/resource-hooks';
import { createLogger, type Logger } from '../log/logger';
import { loadRegistry } from '../schema/resource-registry';
import { createValidator } from '../schema/validate-resource';

export interface RunningServices extends Services {
  close(): Promise<void>;
}

/** Opens the database, applies migrations and assembles the services; no socket yet. */
export async function createServices(config: Config, options: { db?: Database; logger?: Logger } = {}): Promise<RunningServices> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const registry = loadRegistry();
  const db = options.db ?? (await openDatabase(config));
  const applied = await runMigrations(db, registry.resourceTypes);
  if (applied.length) logger.log('info', 'migrations applied', { count: applied.length });
  const validator = createValidator(registry);
  const hooks = createResourceHooks();
  return { config, db, registry, validator, logger, hooks, close: () => db.close() };
}

export async function listen(services: RunningServices): Promise<Server> {
  const app = createApp(services);
  return new Promise((resolve, reject) => {
    const server = app.listen(services.config.port, () => resolve(server));
    server.once('error', reject);
  });
}
