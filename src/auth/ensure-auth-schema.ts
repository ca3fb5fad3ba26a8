import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '../repo-root';
import type { Database } from '../db/database';

const SCHEMA_SQL = join(repoRoot, 'sql', 'auth-resource-tables.sql');
/** Any fixed number: processes starting together apply the file once, one after the other. */
const AUTH_SCHEMA_LOCK_KEY = 7_303_003;

/**
 * The unique case-insensitive User.userName and the token → Session lookups.
 * Runs after the migrations because the resource tables it works on are made by them. Recorded in
 * `_migration` under the file's hash: applied once per version of the file, so a restart takes no
 * locks on the tables.
 */
export async function ensureAuthSchema(db: Database): Promise<void> {
  const sql = await readFile(SCHEMA_SQL, 'utf8');
  const name = `auth-resource-tables:${createHash('sha256').update(sql).digest('hex').slice(0, 16)}`;
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [AUTH_SCHEMA_LOCK_KEY]);
    const { rows } = await tx.query('select 1 from _migration where name = $1', [name]);
    if (rows.length) return;
    await tx.exec(sql);
    await tx.query('insert into _migration (name) values ($1)', [name]);
  });
}
