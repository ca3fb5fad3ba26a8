import { badRequest } from '../errors/http-error';
import type { StoredVersion } from '../store/resource-store';
import type { ResourceFormat, ResourceRequest } from './interaction-context';

/** What a history request (instance, type or system level) may ask: FHIR http.html#history. */
export interface HistoryParameters {
  count: number;
  since?: Date;
  /** The txid the previous page ended at: this page lists older versions only. */
  cursor?: number;
}

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

export function parseHistoryParameters(req: ResourceRequest): HistoryParameters {
  for (const name of Object.keys(req.query)) if (!KNOWN.has(name)) throw badRequest(`Unknown history parameter '${name}'`);
  const count = parseCount(single(req, '_count'));
  const since = parseSince(single(req, '_since'));
  const cursor = single(req, '_cursor');
  if (cursor !== undefined && !/^\d{1,15}$/.test(cursor)) throw badRequest(`_cursor must be a number, got '${cursor}'`);
  return { count, since, cursor: cursor === undefined ? undefined : Number(cursor) };
}

/**
 * A Bundle of type history, newest first, deletions included (as entries without a resource).
 * `versions` holds up to one more than a page: the extra one only says that a next page exists,
 * whose cursor is the txid of this page's last version. `path` is the history URL without query.
 */
export function toHistoryBundle(format: ResourceFormat, path: string, params: HistoryParameters, versions: readonly StoredVersion[]): Record<string, unknown> {
  const { count, since, cursor } = params;
  const page = versions.slice(0, count);
  const query = (extra: Record<string, string>) => new URLSearchParams({ _count: String(count), ...(since ? { _since: since.toISOString() } : {}), ...extra }).toString();
  const link = [{ relation: 'self', url: `${path}?${query(cursor !== undefined ? { _cursor: String(cursor) } : {})}` }];
  if (versions.length > count) link.push({ relation: 'next', url: `${path}?${query({ _cursor: String(page[page.length - 1].txid) })}` });
  const entry = page.map((version) => ({
    fullUrl: `${format.base}/${version.resourceType}/${version.id}`,
    ...(version.status === 'deleted' ? {} : { resource: format.present(version) }),
    request: { method: METHOD[version.status], url: version.status === 'created' || version.status === 'recreated' ? version.resourceType : `${version.resourceType}/${version.id}` },
    response: { status: STATUS[version.status], etag: `W/"${version.txid}"`, lastModified: version.ts.toISOString() },
  }));
  // FHIR JSON has no empty arrays (json.html#arrays): no version, no entry element.
  return { resourceType: 'Bundle', type: 'history', link, ...(entry.length ? { entry } : {}) };
}
