import { badRequest, notFound } from '../errors/http-error';
import { readHistory, readLatestVersion, type StoredVersion } from '../store/resource-store';
import type { RequestContext, ResourceRequest, ResourceResponse } from './interaction-context';

const METHOD: Record<StoredVersion['status'], string> = { created: 'POST', recreated: 'POST', updated: 'PUT', deleted: 'DELETE' };
const STATUS: Record<StoredVersion['status'], string> = { created: '201', recreated: '201', updated: '200', deleted: '200' };
const KNOWN = new Set(['_count', '_since', '_cursor', '_format']);

function single(req: ResourceRequest, name: string): string | undefined {
  const values = req.query[name];
  if (values && values.length > 1) throw badRequest(`${name} may be given once`);
  return values?.[0];
}

function parseCount(raw: string | undefined): number {
  if (raw === undefined) return 100;
  if (!/^\d{1,4}$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) throw badRequest(`_count must be a number from 1 to 1000, got '${raw}'`);
  return Number(raw);
}

function parseSince(raw: string | undefined): Date | undefined {
  if (raw === undefined) return undefined;
  const date = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/.test(raw) ? new Date(raw) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw badRequest(`_since must be a FHIR instant such as 2024-01-01T00:00:00Z, got '${raw}'`);
  return date;
}

/** GET /<Type>/_history and /<Type>/<id>/_history: a Bundle of type history, newest first, deletions included. */
export async function readHistoryBundle(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const resourceType = req.resourceType!;
  for (const name of Object.keys(req.query)) if (!KNOWN.has(name)) throw badRequest(`Unknown history parameter '${name}'`);
  const count = parseCount(single(req, '_count'));
  const since = parseSince(single(req, '_since'));
  const cursor = single(req, '_cursor');
  if (cursor !== undefined && !/^\d{1,15}$/.test(cursor)) throw badRequest(`_cursor must be a number, got '${cursor}'`);
  const versions = await readHistory(ctx.q, resourceType, { id: req.id, since, count, beforeTxid: cursor === undefined ? undefined : Number(cursor) });
  // An id that never existed has no history to list (a deleted one still has its versions).
  if (req.id && versions.length === 0 && !(await readLatestVersion(ctx.q, resourceType, req.id))) throw notFound(`${resourceType}/${req.id} has never existed`);
  const page = versions.slice(0, count);
  const path = `${ctx.format.base}/${resourceType}${req.id ? `/${req.id}` : ''}/_history`;
  const params = (extra: Record<string, string>) => new URLSearchParams({ _count: String(count), ...(since ? { _since: since.toISOString() } : {}), ...extra }).toString();
  const link = [{ relation: 'self', url: `${path}?${params(cursor ? { _cursor: cursor } : {})}` }];
  if (versions.length > count) link.push({ relation: 'next', url: `${path}?${params({ _cursor: String(page[page.length - 1].txid) })}` });
  const entry = page.map((version) => ({
    fullUrl: `${ctx.format.base}/${resourceType}/${version.id}`,
    ...(version.status === 'deleted' ? {} : { resource: ctx.format.present(version) }),
    request: { method: METHOD[version.status], url: version.status === 'created' || version.status === 'recreated' ? resourceType : `${resourceType}/${version.id}` },
    response: { status: STATUS[version.status], etag: `W/"${version.txid}"`, lastModified: version.ts.toISOString() },
  }));
  // FHIR JSON has no empty arrays (json.html#arrays): no version, no entry element.
  return { status: 200, body: { resourceType: 'Bundle', type: 'history', link, ...(entry.length ? { entry } : {}) } };
}
