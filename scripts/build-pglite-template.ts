/**
 * Run by `npm install` (postinstall): builds the PGlite template that makes an embedded database's
 * first start fast (src/db/pglite-template.ts). It never fails the install: without a template,
 * PGlite's first start is just slower.
 */
import { buildPgliteTemplate } from '../src/db/pglite-template';
import { loadRegistry } from '../src/schema/resource-registry';

const started = Date.now();
try {
  const file = await buildPgliteTemplate(loadRegistry().resourceTypes);
  console.log(`PGlite template ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${file}`);
} catch (error) {
  console.warn(`PGlite template not built (the first start on PGlite will take longer): ${error instanceof Error ? error.message : String(error)}`);
}
