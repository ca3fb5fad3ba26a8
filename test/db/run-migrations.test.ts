import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { openPgDatabase } from '../../src/db/open-pg-database';
import { runMigrations } from '../../src/db/run-migrations';
import { loadRegistry } from '../../src/schema/resource-registry';
import { adminQuery, databaseUrl } from '../support/test-database';

const name = `lockbox_mig_${randomBytes(5).toString('hex')}`;
const types = loadRegistry().resourceTypes;

beforeAll(async () => {
  await adminQuery(`create database "${name}"`);
});
afterAll(async () => {
  await adminQuery(`drop database if exists "${name}" with (force)`);
});

describe('migrations', () => {
  it('apply exactly once when two server processes start at the same time, and a later run does nothing', async () => {
    const first = await openPgDatabase(databaseUrl(name), 2);
    const second = await openPgDatabase(databaseUrl(name), 2);
    try {
      const [a, b] = await Promise.all([runMigrations(first, types), runMigrations(second, types)]);
      // The advisory lock makes one wait for the other; the one that waits finds nothing left to do.
      expect([a.length, b.length].sort((x, y) => x - y)[0]).toBe(0);
      const applied = a.length ? a : b;
      expect(applied).toContain('resource-table:Patient');
      expect(applied).toContain('001_core.sql');
      const { rows } = await first.query<{ n: number }>('select count(*)::int as n from _migration');
      expect(rows[0].n).toBe(applied.length);
      expect(await runMigrations(first, types)).toEqual([]);
      const tables = await first.query<{ n: number }>(
        `select count(*)::int as n from unnest($1::text[]) as t(name) where to_regclass(format('%I', lower(name))) is not null and to_regclass(format('%I', lower(name) || '_history')) is not null`,
        [types],
      );
      expect(tables.rows[0].n).toBe(types.length);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
