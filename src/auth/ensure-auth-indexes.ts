import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Database } from '../db/database';

const INDEXES_SQL = fileURLToPath(new URL('../../sql/auth-indexes.sql', import.meta.url));
/** Any fixed number: concurrent `create index if not exists` on one table can still collide. */
const AUTH_INDEX_LOCK_KEY = 7_303_003;

/**
 * The unique case-insensitive User.userName and the token → Session lookups. Runs after the
 * migrations because the resource tables it indexes are made by them; a no-op once applied.
 */
export async function ensureAuthIndexes(db: Database): Promise<void> {
  const sql = await readFile(INDEXES_SQL, 'utf8');
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [AUTH_INDEX_LOCK_KEY]);
    await tx.exec(sql);
  });
}
