import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/db/database';
import { openPgDatabase } from '../../src/db/open-pg-database';
import { adminQuery, databaseUrl } from '../support/test-database';

export interface PolicyTestDatabase {
  db: Database;
  drop(): Promise<void>;
}

/**
 * A PostgreSQL database of its own with a small `patient` table, for sql-engine policies. Always
 * real PostgreSQL (PGlite ignores statement_timeout), and independent of the resource migrations.
 */
export async function openPolicyTestDatabase(): Promise<PolicyTestDatabase> {
  const name = `lockbox_access_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database "${name}"`);
  const db = await openPgDatabase(databaseUrl(name), 3);
  await db.exec(`
    create table patient (id text primary key, resource jsonb not null);
    insert into patient values
      ('pt-1', '{"generalPractitioner": [{"resourceType": "Practitioner", "id": "pr-1"}]}'),
      ('pt-2', '{"generalPractitioner": [{"resourceType": "Practitioner", "id": "pr-2"}]}');
    create sequence policy_counter;
  `);
  return {
    db,
    async drop() {
      await db.close();
      await adminQuery(`drop database if exists "${name}" with (force)`);
    },
  };
}
