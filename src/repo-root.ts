import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The directory holding package.json, sql/ and schemas/. Found by walking up from this module, so
 * it is the same whether the code runs from src/ (tsx, jest) or from the dist/ bundle `npm start`
 * builds.
 */
export const repoRoot = findRoot(dirname(fileURLToPath(import.meta.url)));

function findRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'sql'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no Lockbox package.json above ${start}`);
  }
}
