import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../repo-root';
import type { RequestContext, ResourceRequest, ResourceResponse } from '../interactions/interaction-context';
import type { ResourceRegistry } from '../schema/resource-registry';
import { loadSearchParameters } from '../search/load-search-parameters';
import type { CapabilityEntry } from '../pipeline/route';
import { buildCapabilityStatement } from './build-capability-statement';

const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };

/**
 * GET /fhir/metadata from the route table itself: an interaction or $operation is listed because a
 * route serves it. Built once per registry and base URL; public (no caller needed).
 */
export function createCapabilityHandler(entries: () => ReadonlyArray<{ capabilities?: readonly CapabilityEntry[] }>) {
  const built = new WeakMap<ResourceRegistry, Map<string, Record<string, unknown>>>();
  return async function readCapabilityStatement(ctx: RequestContext, _req: ResourceRequest): Promise<ResourceResponse> {
    const { registry } = ctx.services;
    const perBase = built.get(registry) ?? built.set(registry, new Map()).get(registry)!;
    let statement = perBase.get(ctx.format.base);
    if (!statement) {
      const served = entries().flatMap((route) => route.capabilities ?? []);
      // date: when this statement was built, i.e. when this process started serving it.
      statement = buildCapabilityStatement(registry, loadSearchParameters(), served, ctx.format.base, { name: 'Lockbox', version: packageJson.version }, new Date().toISOString().slice(0, 10));
      perBase.set(ctx.format.base, statement);
    }
    return { status: 200, body: statement };
  };
}
