import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureAuthSchema } from '../auth/ensure-auth-schema';
import { searchIndexSteps } from '../search/search-index-steps';
import { openPgliteDatabase } from './open-pglite-database';
import { runMigrations } from './run-migrations';

/**
 * A fresh PGlite cluster costs an initdb (about 4 s of WebAssembly) plus our schema (about 300
 * tables, 1.5 s). `npm install` builds both once and keeps the data directory under
 * node_modules/.cache (scripts/build-pglite-template.ts): a first start copies it instead. The
 * directory's name carries a hash of PGlite's version and of every piece of schema SQL, so a
 * template made by other code is never used; the migrations still run after the copy, as on any
 * existing database. No identities, keys or data are in it: only schema.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const cacheDir = path.join(root, 'node_modules', '.cache', 'lockbox');
const sqlDir = path.join(root, 'sql');

/** The installed PGlite's version (its package.json is not exported, so found from its entry file). */
async function pgliteVersion(): Promise<string> {
  let dir = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(await readFile(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === '@electric-sql/pglite' && pkg.version) return pkg.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('the installed @electric-sql/pglite has no version');
    dir = parent;
  }
}

async function templateKey(resourceTypes: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`pglite ${await pgliteVersion()}\n`);
  for (const file of (await readdir(sqlDir)).filter((name) => name.endsWith('.sql')).sort()) {
    hash.update(`${file}\n`).update(await readFile(path.join(sqlDir, file)));
  }
  hash.update(resourceTypes.join(',')).update(searchIndexSteps(resourceTypes).map((step) => step.name).join(','));
  return hash.digest('hex').slice(0, 20);
}

export async function pgliteTemplatePath(resourceTypes: readonly string[]): Promise<string> {
  return path.join(cacheDir, `pglite-${await templateKey(resourceTypes)}`);
}

/**
 * Makes `dataDir` a copy of the template for this code's schema and returns true; false (and no
 * change) when `npm install` made no such template. `dataDir` must be empty or missing. The copy
 * is a plain file copy of a closed, checkpointed cluster, so PGlite opens it as it reopens any data
 * directory of its own; it is made beside `dataDir` and renamed into place, so a crash mid-copy
 * leaves no half cluster behind.
 */
export async function copyPgliteTemplate(resourceTypes: readonly string[], dataDir: string): Promise<boolean> {
  const template = await pgliteTemplatePath(resourceTypes);
  if (!existsSync(path.join(template, 'PG_VERSION'))) return false;
  const target = path.resolve(dataDir);
  const partial = `${target}.${process.pid}.partial`;
  await rm(partial, { recursive: true, force: true });
  await copyTree(template, partial);
  await rm(target, { recursive: true, force: true });
  await rename(partial, target);
  return true;
}

/** A copy of a directory tree, many files at a time (fs.cp copies one by one: about 4× slower here). */
async function copyTree(from: string, to: string): Promise<void> {
  const entries = await readdir(from, { recursive: true, withFileTypes: true });
  const relative = (entry: (typeof entries)[number]) => path.relative(from, path.join(entry.parentPath, entry.name));
  await mkdir(to, { recursive: true });
  for (const entry of entries) if (entry.isDirectory()) await mkdir(path.join(to, relative(entry)), { recursive: true });
  const files = entries.filter((entry) => entry.isFile()).map(relative);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < files.length) {
        const file = files[next++];
        await copyFile(path.join(from, file), path.join(to, file));
      }
    }),
  );
}

/** Builds the template (unless it exists) and removes templates of other versions; returns its path. */
export async function buildPgliteTemplate(resourceTypes: readonly string[]): Promise<string> {
  const template = await pgliteTemplatePath(resourceTypes);
  if (existsSync(path.join(template, 'PG_VERSION'))) return template;
  await mkdir(cacheDir, { recursive: true });
  const partial = `${template}.${process.pid}.partial`;
  await rm(partial, { recursive: true, force: true });
  const db = await openPgliteDatabase(partial);
  await runMigrations(db, resourceTypes);
  await ensureAuthSchema(db);
  // Flushed, so that a copy replays no WAL.
  await db.exec('checkpoint');
  await db.close();
  for (const old of (await readdir(cacheDir)).filter((name) => name.startsWith('pglite-') && !name.endsWith('.partial'))) {
    await rm(path.join(cacheDir, old), { recursive: true, force: true });
  }
  await rename(partial, template);
  return template;
}
