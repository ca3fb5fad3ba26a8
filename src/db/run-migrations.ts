import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Database } from './database';
import { searchIndexSteps } from '../search/search-index-steps';

const defaultSqlDir = fileURLToPath(new URL('../../sql/', import.meta.url));
/** Any fixed number: every server process on one database serializes its migrations on it. */
const MIGRATION_LOCK_KEY = 7_303_001;

export function tableName(resourceType: string): string {
  return resourceType.toLowerCase();
}

/**
 * Applies the numbered SQL files under sql/ in order, then the resource-table template once per
 * known type. Each is recorded in `_migration`, so a second run does nothing. The whole run holds a
 * transaction-scoped advisory lock: two processes starting at once apply everything exactly once.
 */
export async function runMigrations(db: Database, resourceTypes: readonly string[], sqlDir = defaultSqlDir): Promise<string[]> {
  const files = (await readdir(sqlDir)).filter((name) => /^\d+_.*\.sql$/.test(name)).sort();
  const template = await readFile(path.join(sqlDir, 'resource-table.sql'), 'utf8');
  const steps: Array<{ name: string; sql: () => Promise<string> }> = [
    ...files.map((file) => ({ name: file, sql: () => readFile(path.join(sqlDir, file), 'utf8') })),
    ...resourceTypes.map((type) => ({
      name: `resource-table:${type}`,
      sql: async () => template.replaceAll('{{table}}', tableName(type)).replaceAll('{{type}}', type),
    })),
    // Search indexes (src/search/search-indexes.ts) once their tables exist.
    ...searchIndexSteps(resourceTypes).map((step) => ({ name: step.name, sql: async () => step.sql })),
  ];
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec('create table if not exists _migration (name text primary key, applied_at timestamptz not null default now())');
    const applied = new Set((await tx.query<{ name: string }>('select name from _migration')).rows.map((row) => row.name));
    const pending = steps.filter((step) => !applied.has(step.name));
    for (const step of pending) {
      await tx.exec(await step.sql());
      await tx.query('insert into _migration (name) values ($1)', [step.name]);
    }
    return pending.map((step) => step.name);
  });
}
