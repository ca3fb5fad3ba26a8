import { STATUS_CODES } from 'node:http';
import { badRequest } from '../errors/http-error';
import { handleResourceRequest, type RequestScope } from '../http/handle-resource-request';
import type { ResourceResponse } from '../interactions/interaction-context';
import type { BundleEntry } from './bundle-entry';

function splitUrl(url: string, base: string): { segments: string[]; query: Record<string, string[]> } {
  let relative = url.startsWith(`${base}/`) ? url.slice(base.length + 1) : url;
  relative = relative.replace(/^\/+/, '');
  const mark = relative.indexOf('?');
  const path = mark < 0 ? relative : relative.slice(0, mark);
  const query: Record<string, string[]> = {};
  if (mark >= 0) for (const [name, value] of new URLSearchParams(relative.slice(mark + 1))) (query[name] ??= []).push(value);
  const segments = path.split('/').filter(Boolean).map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw badRequest(`'${url}' is not valid percent-encoding`);
    }
  });
  if (!segments.length) throw badRequest('A bundle entry cannot be another bundle');
  return { segments, query };
}

/** Runs one entry through the same pipeline as a single request, so every guard applies to it. */
export function dispatchEntry(scope: RequestScope, entry: BundleEntry, url: string, resource: unknown, prefer: string | undefined): Promise<ResourceResponse> {
  const { segments, query } = splitUrl(url, scope.format.base);
  return handleResourceRequest(scope, { fhir: scope.format.name === 'fhir', segments }, {
    method: entry.method,
    query,
    headers: { ...entry.headers, prefer },
    body: resource,
    contentType: resource === undefined ? undefined : 'application/json',
  });
}

/** An entry's response element (Bundle.entry.response) from an interaction's result. */
export function toEntryResponse(response: ResourceResponse): Record<string, unknown> {
  const headers = response.headers ?? {};
  return {
    ...(response.body !== undefined ? { resource: response.body } : {}),
    response: {
      status: `${response.status} ${STATUS_CODES[response.status] ?? ''}`.trim(),
      ...(headers.location ? { location: headers.location } : {}),
      ...(headers.etag ? { etag: headers.etag } : {}),
      ...(headers['last-modified'] ? { lastModified: new Date(headers['last-modified']).toISOString() } : {}),
    },
  };
}
