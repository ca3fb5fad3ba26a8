import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { repoRoot } from '../repo-root';
import { ensureAuthSchema } from '../auth/ensure-auth-schema';
import { searchIndexSteps } from '../search/search-index-steps';
import { openPgliteDatabase } from './open-pglite-database';
import { runMigrations } from './run-migrations';

/**
 * A fresh PGlite cluster costs an initdb (about 4 s of WebAssembly) plus our schema (about 300
 * tables, 1.5 s). `npm install` builds both once and keeps the data directory under
 * node_modules/.cache (scripts/build-pglite-template.ts), with a spare copy beside it. A first
 * start moves the spare into place (a rename: instant, whatever the disk) or, when there is no
 * spare or it lives on another file system, copies the template (about 2,800 files: 0.2–1.5 s
 * here). The server makes a new spare in the background once it is serving. The directory's name
 * carries a hash of PGlite's version and of every piece of schema SQL, so a template made by other
 * code is never used; the migrations still run after the move or copy, as on any existing
 * database. No identities, keys or data are in it: only schema.
 */
const cacheDir = path.join(repoRoot, 'node_modules', '.cache', 'lockbox');
const sqlDir = path.join(repoRoot, 'sql');

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
 * Makes `dataDir` a copy of the template for this code's schema: 'moved' when it took the spare,
 * 'copied' when it copied the template, false (and no change) when `npm install` made no template.
 * `dataDir` must be empty or missing. Template and spare are closed, checkpointed clusters, so
 * PGlite opens the result as it reopens any data directory of its own. A copy is made beside
 * `dataDir` and renamed into place, so a crash mid-copy leaves no half cluster behind.
 */
export async function copyPgliteTemplate(resourceTypes: readonly string[], dataDir: string): Promise<'moved' | 'copied' | false> {
  const template = await pgliteTemplatePath(resourceTypes);
  if (!existsSync(path.join(template, 'PG_VERSION'))) return false;
  const target = path.resolve(dataDir);
  await mkdir(path.dirname(target), { recursive: true });
  try {
    // Atomic: of two servers starting at once, one gets the spare and the other copies.
    await rename(`${template}.spare`, target);
    return 'moved';
  } catch {
    // No spare (taken, or never made), or BOX_DATA_DIR is on another file system: copy.
  }
  await rm(target, { recursive: true, force: true });
  await copyInto(template, `${target}.${process.pid}.partial`, target);
  return 'copied';
}

/**
 * Makes the spare the next first start will take, unless there is one (or no template). A server
 * calls it once it is serving; a copy cut short by a crash is only a `.partial` directory, removed
 * by the next call of a process that finds its owner gone.
 */
export async function refillPgliteSpare(resourceTypes: readonly string[]): Promise<boolean> {
  const template = await pgliteTemplatePath(resourceTypes);
  const spare = `${template}.spare`;
  if (!existsSync(path.join(template, 'PG_VERSION')) || existsSync(spare)) return false;
  await removeLeftovers(() => true);
  try {
    await copyInto(template, `${spare}.${process.pid}.partial`, spare, 2);
  } catch (error) {
    // Another process made the spare first (a rename over a non-empty directory fails): keep theirs.
    if (existsSync(path.join(spare, 'PG_VERSION'))) return false;
    throw error;
  }
  return true;
}

/** A `.partial` directory older than this was left by a copy or build that died. */
const STALE_PARTIAL_MS = 10 * 60_000;

/**
 * Removes, from the cache, the `.partial` directories left by copies or builds that died (by age:
 * a process id means nothing across containers sharing this directory), and every other entry
 * `keep` refuses.
 */
async function removeLeftovers(keep: (name: string) => boolean): Promise<void> {
  for (const name of await readdir(cacheDir)) {
    const full = path.join(cacheDir, name);
    if (name.endsWith('.partial') ? await isStale(full) : !keep(name)) await rm(full, { recursive: true, force: true });
  }
}

async function isStale(dir: string): Promise<boolean> {
  const info = await stat(dir).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs > STALE_PARTIAL_MS;
}

/** Copies `from` to `partial`, then renames it to `to`; a failed copy leaves nothing behind. */
async function copyInto(from: string, partial: string, to: string, parallel?: number): Promise<void> {
  try {
    await rm(partial, { recursive: true, force: true });
    await copyTree(from, partial, parallel);
    await rename(partial, to);
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}

/** A copy of a directory tree, many files at a time (fs.cp copies one by one: about 4× slower here). */
async function copyTree(from: string, to: string, parallel = 16): Promise<void> {
  const entries = await readdir(from, { recursive: true, withFileTypes: true });
  const relative = (entry: (typeof entries)[number]) => path.relative(from, path.join(entry.parentPath, entry.name));
  await mkdir(to, { recursive: true });
  for (const entry of entries) if (entry.isDirectory()) await mkdir(path.join(to, relative(entry)), { recursive: true });
  const files = entries.filter((entry) => entry.isFile()).map(relative);
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < files.length) {
        const file = files[next++];
        await copyFile(path.join(from, file), path.join(to, file));
      }
    }),
  );
}

/** Builds the template and its spare (unless they exist), removes those of other versions; returns its path. */
export async function buildPgliteTemplate(resourceTypes: readonly string[]): Promise<string> {
  const template = await pgliteTemplatePath(resourceTypes);
  if (!existsSync(path.join(template, 'PG_VERSION'))) {
    await mkdir(cacheDir, { recursive: true });
    const partial = `${template}.${process.pid}.partial`;
    await rm(partial, { recursive: true, force: true });
    const db = await openPgliteDatabase(partial);
    await runMigrations(db, resourceTypes);
    await ensureAuthSchema(db);
    // Flushed, so that a copy replays no WAL.
    await db.exec('checkpoint');
    await db.close();
    await rename(partial, template);
    // Templates and spares of other versions of the schema or of PGlite.
    await removeLeftovers((name) => name === path.basename(template) || name === `${path.basename(template)}.spare`);
  }
  await refillPgliteSpare(resourceTypes);
  return template;
}
