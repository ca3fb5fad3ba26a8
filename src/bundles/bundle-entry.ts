import { randomUUID } from 'node:crypto';
import { badRequest } from '../errors/http-error';
import { isPlainObject } from '../interactions/prepare-resource';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** One entry's request, as the Bundle gave it (FHIR bundle.html#transaction). */
export interface BundleEntry {
  index: number;
  method: string;
  url: string;
  fullUrl?: string;
  resource?: unknown;
  headers: Record<string, string | undefined>;
}

/** Entry request fields that are HTTP headers of the same name. */
const HEADER_FIELDS: Record<string, string> = {
  ifMatch: 'if-match',
  ifNoneMatch: 'if-none-match',
  ifNoneExist: 'if-none-exist',
  ifModifiedSince: 'if-modified-since',
};

export function parseBundle(body: unknown): { type: 'transaction' | 'batch'; entries: BundleEntry[] } {
  if (!isPlainObject(body) || body.resourceType !== 'Bundle') throw badRequest('POST to the base URL takes a Bundle of type transaction or batch');
  if (body.type !== 'transaction' && body.type !== 'batch') throw badRequest(`Bundle.type must be transaction or batch, got '${String(body.type)}'`);
  if (body.entry !== undefined && !Array.isArray(body.entry)) throw badRequest('Bundle.entry must be an array');
  const entries = ((body.entry ?? []) as unknown[]).map((raw, index): BundleEntry => {
    const where = `Bundle.entry[${index}]`;
    if (!isPlainObject(raw) || !isPlainObject(raw.request)) throw badRequest(`${where} has no request`);
    const { method, url } = raw.request;
    if (typeof method !== 'string' || !METHODS.has(method)) throw badRequest(`${where}.request.method must be one of ${[...METHODS].join(', ')}`);
    if (typeof url !== 'string' || !url) throw badRequest(`${where}.request.url is required`);
    if (raw.fullUrl !== undefined && typeof raw.fullUrl !== 'string') throw badRequest(`${where}.fullUrl must be a string`);
    const headers: Record<string, string | undefined> = {};
    for (const [field, header] of Object.entries(HEADER_FIELDS)) {
      const value = raw.request[field];
      if (value !== undefined) headers[header] = String(value);
    }
    return { index, method, url, fullUrl: raw.fullUrl as string | undefined, resource: raw.resource, headers };
  });
  return { type: body.type, entries };
}

/** FHIR's processing order for a transaction (http.html#trules): DELETE, POST, PUT/PATCH, then reads. */
export function processingOrder(entries: readonly BundleEntry[]): BundleEntry[] {
  const rank = (entry: BundleEntry) => {
    if (entry.method === 'DELETE') return 0;
    // Conditional creates first: which resource they end up as is known only once they ran.
    if (entry.method === 'POST') return entry.headers['if-none-exist'] ? 1 : 2;
    if (entry.method === 'PUT' || entry.method === 'PATCH') return 3;
    return 4;
  };
  return [...entries].sort((a, b) => rank(a) - rank(b) || a.index - b.index);
}

/** Gives each plain create with a urn:uuid fullUrl its id up front, so references to it resolve in any order. */
export function assignIds(entries: readonly BundleEntry[]): Map<string, { resourceType: string; id: string }> {
  const assigned = new Map<string, { resourceType: string; id: string }>();
  for (const entry of entries) {
    if (entry.method !== 'POST' || entry.headers['if-none-exist'] || !entry.fullUrl?.startsWith('urn:uuid:') || !isPlainObject(entry.resource)) continue;
    const resourceType = entry.url.split(/[/?]/)[0];
    const id = typeof entry.resource.id === 'string' ? entry.resource.id : randomUUID();
    entry.resource = { ...entry.resource, id };
    assigned.set(entry.fullUrl, { resourceType, id });
  }
  return assigned;
}
