import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { repoRoot } from '../repo-root';
import type { Database } from './database';
import { tableName } from './table-name';
import { searchIndexSteps } from '../search/search-index-steps';

const defaultSqlDir = path.join(repoRoot, 'sql');
/** Any fixed number: every server process on one database serializes its migrations on it. */
const MIGRATION_LOCK_KEY = 7_303_001;

/**
 * Applies the resource-table template once per known type, then the numbered SQL files under sql/
 * in order. Each is recorded in `_migration`, so a second run does nothing. The whole run holds a
 * transaction-scoped advisory lock: two processes starting at once apply everything exactly once.
 */
export async function runMigrations(db: Database, resourceTypes: readonly string[], sqlDir = defaultSqlDir): Promise<string[]> {
  const files = (await readdir(sqlDir)).filter((name) => /^\d+_.*\.sql$/.test(name)).sort();
  const template = await readFile(path.join(sqlDir, 'resource-table.sql'), 'utf8');
  const numbered = files.map((file) => ({ name: file, sql: () => readFile(path.join(sqlDir, file), 'utf8') }));
  const perType = resourceTypes.map((type) => ({
    name: `resource-table:${type}`,
    sql: template.replaceAll('{{table}}', tableName(type)).replaceAll('{{type}}', type),
  }));
  return db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec('create table if not exists _migration (name text primary key, applied_at timestamptz not null default now())');
    const applied = new Set((await tx.query<{ name: string }>('select name from _migration')).rows.map((row) => row.name));
    const done: string[] = [];
    // Resource tables first, so numbered migrations can index them. Hundreds of small tables:
    // one round trip instead of one per type (it matters on PGlite's first start).
    const tables = perType.filter((step) => !applied.has(step.name));
    if (tables.length) await tx.exec(tables.map((step) => step.sql).join('\n'));
    done.push(...tables.map((step) => step.name));
    for (const step of numbered.filter((step) => !applied.has(step.name))) {
      await tx.exec(await step.sql());
      done.push(step.name);
    }
    // Search indexes (src/search/search-index-steps.ts) once their tables and functions exist.
    const indexes = searchIndexSteps(resourceTypes).filter((step) => !applied.has(step.name));
    if (indexes.length) await tx.exec(indexes.map((step) => step.sql).join('\n'));
    done.push(...indexes.map((step) => step.name));
    if (done.length) await tx.query('insert into _migration (name) select unnest($1::text[])', [done]);
    return done;
  });
}
