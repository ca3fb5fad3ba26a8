import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ensureAuthSchema } from '../../src/auth/ensure-auth-schema';
import type { Config } from '../../src/config/load-config';
import { openDatabase } from '../../src/db/open-database';
import { buildPgliteTemplate, copyPgliteTemplate, pgliteTemplatePath, refillPgliteSpare } from '../../src/db/pglite-template';
import { runMigrations } from '../../src/db/run-migrations';
import { repoRoot } from '../../src/repo-root';
import { loadRegistry } from '../../src/schema/resource-registry';

// The install-time PGlite template (src/db/pglite-template.ts): `npm install` has built it already;
// buildPgliteTemplate returns at once then, or builds it here.
const types = loadRegistry().resourceTypes;
let scratch: string;
beforeAll(async () => {
  await buildPgliteTemplate(types);
  // Beside the cache, on its file system: a spare can only be renamed within one file system.
  scratch = await mkdtemp(path.join(repoRoot, 'node_modules', '.cache', 'lockbox-test-'));
}, 120_000);
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

const config = (dataDir: string) => ({ dataDir }) as Config;

describe('a first start on PGlite', () => {
  it('starts from the template: every table and migration is there and the migrations find nothing to do', async () => {
    const dataDir = path.join(scratch, 'fresh');
    const db = await openDatabase(config(dataDir), types);
    try {
      expect(await runMigrations(db, types)).toEqual([]);
      await ensureAuthSchema(db);
      const { rows } = await db.query<{ n: number }>(`select count(*)::int as n from pg_tables where schemaname = 'public' and tablename in ('patient', 'patient_history', 'session', 'accesspolicy', 'observation_history')`);
      expect(rows[0].n).toBe(5);
      const migrations = await db.query<{ n: number }>('select count(*)::int as n from _migration');
      expect(migrations.rows[0].n).toBeGreaterThan(types.length * 2);
      // A real cluster of its own: it takes writes and keeps them across a reopen.
      await db.query(`insert into patient (id, txid, status, resource) values ('t1', nextval('txid_seq'), 'created', '{}')`);
    } finally {
      await db.close();
    }
    const again = await openDatabase(config(dataDir), types);
    try {
      expect((await again.query('select id from patient')).rows).toEqual([{ id: 't1' }]);
    } finally {
      await again.close();
    }
    // Nothing is left beside the data directory.
    expect((await readdir(scratch)).filter((name) => name.startsWith('fresh'))).toEqual(['fresh']);
  }, 60_000);

  it('never copies the template over a directory that already holds something', async () => {
    const dataDir = path.join(scratch, 'occupied');
    await rm(dataDir, { recursive: true, force: true });
    await mkdir(dataDir);
    await writeFile(path.join(dataDir, 'notes.txt'), 'mine');
    // PGlite refuses a non-empty directory that is not a cluster; what matters is that our file survives.
    await openDatabase(config(dataDir), types).then((db) => db.close()).catch(() => undefined);
    expect(await readdir(dataDir)).toContain('notes.txt');
  }, 60_000);

  it('never replaces a BOX_DATA_DIR that is a file', async () => {
    const dataDir = path.join(scratch, 'a-file');
    await writeFile(dataDir, 'mine');
    await openDatabase(config(dataDir), types).then((db) => db.close()).catch(() => undefined);
    expect(await readFile(dataDir, 'utf8')).toBe('mine');
  }, 60_000);
});

describe('the spare cluster beside the template', () => {
  it('is taken by a first start (a rename), the next first start copies the template, and a refill makes a new spare', async () => {
    const template = await pgliteTemplatePath(types);
    await refillPgliteSpare(types);
    expect(existsSync(`${template}.spare`)).toBe(true);

    expect(await copyPgliteTemplate(types, path.join(scratch, 'first'))).toBe('moved');
    expect(existsSync(`${template}.spare`)).toBe(false);
    expect(await copyPgliteTemplate(types, path.join(scratch, 'second'))).toBe('copied');
    // The template itself is never taken.
    expect(existsSync(path.join(template, 'PG_VERSION'))).toBe(true);

    expect(await refillPgliteSpare(types)).toBe(true);
    expect(await refillPgliteSpare(types)).toBe(false);
    expect(existsSync(path.join(`${template}.spare`, 'PG_VERSION'))).toBe(true);

    // Both are clusters of their own, with the whole schema.
    for (const dir of ['first', 'second']) {
      const db = await openDatabase(config(path.join(scratch, dir)), types);
      try {
        expect(await runMigrations(db, types)).toEqual([]);
      } finally {
        await db.close();
      }
    }
  }, 60_000);

  it('a refill removes copies cut short long ago, and keeps recent ones (a copy may be under way)', async () => {
    const template = await pgliteTemplatePath(types);
    const stale = `${template}.spare.1.partial`;
    const recent = `${template}.spare.2.partial`;
    await mkdir(stale, { recursive: true });
    await mkdir(recent, { recursive: true });
    const hourAgo = new Date(Date.now() - 3_600_000);
    await utimes(stale, hourAgo, hourAgo);
    await rm(`${template}.spare`, { recursive: true, force: true });
    try {
      await refillPgliteSpare(types);
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(recent)).toBe(true);
      expect(existsSync(path.join(`${template}.spare`, 'PG_VERSION'))).toBe(true);
    } finally {
      await rm(stale, { recursive: true, force: true });
      await rm(recent, { recursive: true, force: true });
      await refillPgliteSpare(types);
    }
  }, 60_000);
});
