import { readdir } from 'node:fs/promises';
import type { Config } from '../config/load-config';
import type { Database } from './database';
import { openPgDatabase } from './open-pg-database';
import { openPgliteDatabase } from './open-pglite-database';
import { copyPgliteTemplate } from './pglite-template';

/**
 * PostgreSQL when DATABASE_URL is set, embedded PGlite in BOX_DATA_DIR otherwise. An empty or
 * missing PGlite directory starts as a copy of the install-time template for these resource types,
 * when there is one (see pglite-template.ts).
 */
export async function openDatabase(config: Config, resourceTypes?: readonly string[]): Promise<Database> {
  if (config.databaseUrl) return openPgDatabase(config.databaseUrl, config.dbPoolSize);
  const dataDir = config.dataDir === ':memory:' ? undefined : config.dataDir;
  if (dataDir && resourceTypes && (await isEmptyOrMissing(dataDir))) {
    await copyPgliteTemplate(resourceTypes, dataDir);
  }
  return openPgliteDatabase(dataDir);
}

/** Only an empty directory or none at all; anything else (a file, no permission) is left to PGlite. */
async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}
