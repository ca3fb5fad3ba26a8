import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Database } from '../db/database';

const SCHEMA_SQL = fileURLToPath(new URL('../../sql/auth-resource-tables.sql', import.meta.url));
/** Any fixed number: concurrent `create index if not exists` on one table can still collide. */
const AUTH_SCHEMA_LOCK_KEY = 7_303_003;

/**
 * The unique case-insensitive User.userName, the token → Session lookups and the change triggers.
 * Runs after the migrations because the resource tables it works on are made by them; idempotent.
 */
export async function ensureAuthSchema(db: Database): Promise<void> {
  const sql = await readFile(SCHEMA_SQL, 'utf8');
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [AUTH_SCHEMA_LOCK_KEY]);
    await tx.exec(sql);
  });
}
