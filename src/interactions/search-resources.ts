import { toOperationOutcome } from '../errors/to-operation-outcome';
import type { Compartment } from '../search/compartment';
import { preferredHandling } from '../search/preferred-handling';
import { searchParametersOf } from '../search/load-search-parameters';
import { parseSearchQuery, type SearchQuery } from '../search/parse-search-query';
import { runSearch } from '../search/run-search';
import { searchTotal } from '../search/search-total';
import { applyShape } from '../search/summarize-resource';
import type { StoredVersion } from '../store/resource-store';
import type { RequestContext, ResourceRequest, ResourceResponse } from './interaction-context';

function pageUrl(base: string, query: SearchQuery, page: number): string {
  const params = new URLSearchParams(query.echo);
  params.set('_count', String(query.count));
  params.set('_page', String(page));
  const scope = query.compartment ? `${query.compartment.resourceType}/${query.compartment.id}/` : '';
  return `${base}/${scope}${query.resourceType}?${params.toString()}`;
}

/** A warning entry (FHIR search.html#errors: search.mode = outcome). */
function uncounted(timeoutMs: number): Record<string, unknown> {
  const diagnostics = `The total was not counted: counting took longer than ${timeoutMs} ms (BOX_SEARCH_TOTAL_TIMEOUT); try _total=estimate`;
  return { resource: toOperationOutcome([{ severity: 'warning', code: 'too-costly', diagnostics }]), search: { mode: 'outcome' } };
}

/** GET /<Type>?… and POST /<Type>/_search: a Bundle of type searchset, paged by _count and _page. */
export function searchResources(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  return searchWithin(ctx, req, undefined);
}

/** The search itself; a compartment (search-compartment.ts) narrows it to that compartment's resources. */
export async function searchWithin(ctx: RequestContext, req: ResourceRequest, compartment: Compartment | undefined): Promise<ResourceResponse> {
  const resourceType = req.resourceType!;
  const parsed = parseSearchQuery(resourceType, req.query, searchParametersOf(resourceType), {
    maxCount: ctx.services.config.searchMaxCount,
    lenient: preferredHandling(req.headers.prefer) === 'lenient',
  });
  const query: SearchQuery = { ...parsed, ...(compartment ? { compartment } : {}), ...(ctx.smart ? { restriction: ctx.smart.restriction } : {}) };
  const bases = [ctx.format.base];
  const { versions } = query.summaryCount ? { versions: [] } : await runSearch(ctx.q, query, bases);
  const total = await searchTotal(ctx.services.db, ctx.q, query, bases, query.summaryCount ? undefined : versions.length, ctx.services.config.searchTotalTimeoutMs);
  const page: StoredVersion[] = versions.slice(0, query.count);
  const link = [{ relation: 'self', url: pageUrl(ctx.format.base, query, query.page) }];
  if (!query.summaryCount) {
    if (versions.length > query.count) link.push({ relation: 'next', url: pageUrl(ctx.format.base, query, query.page + 1) });
    if (query.page > 1) link.push({ relation: 'previous', url: pageUrl(ctx.format.base, query, query.page - 1) });
  }
  const summaryElements = ctx.services.registry.summaryElementsOf(resourceType);
  const entry: Array<Record<string, unknown>> = page.map((version) => ({
    fullUrl: `${ctx.format.base}/${resourceType}/${version.id}`,
    resource: applyShape(ctx.format.present(version), query.shape, summaryElements),
    search: { mode: 'match' },
  }));
  // The search still answers when counting takes too long; an outcome entry says why there is no total.
  if (query.total === 'accurate' && total === undefined) entry.push(uncounted(ctx.services.config.searchTotalTimeoutMs));
  return {
    status: 200,
    body: {
      resourceType: 'Bundle',
      type: 'searchset',
      ...(total !== undefined ? { total } : {}),
      link,
      // FHIR JSON has no empty arrays (json.html#arrays): no match, no entry element.
      ...(entry.length ? { entry } : {}),
    },
  };
}
