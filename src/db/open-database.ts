import type { Config } from '../config/load-config';
import type { Database } from './database';
import { openPgDatabase } from './open-pg-database';
import { openPgliteDatabase } from './open-pglite-database';

/** PostgreSQL when DATABASE_URL is set, embedded PGlite in BOX_DATA_DIR otherwise. */
export function openDatabase(config: Config): Promise<Database> {
  if (config.databaseUrl) return openPgDatabase(config.databaseUrl, config.dbPoolSize);
  return openPgliteDatabase(config.dataDir === ':memory:' ? undefined : config.dataDir);
}
