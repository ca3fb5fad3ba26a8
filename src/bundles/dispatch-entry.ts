import { STATUS_CODES } from 'node:http';
import type { RequestContext, ResourceResponse } from '../interactions/interaction-context';
import type { BundleEntry } from './bundle-entry';

/** Runs one entry through the same pipeline as a single request (ctx.dispatch), so every guard applies to it. */
export function dispatchEntry(ctx: RequestContext, entry: BundleEntry, url: string, resource: unknown, prefer: string | undefined): Promise<ResourceResponse> {
  return ctx.dispatch(ctx, { method: entry.method, url, headers: { ...entry.headers, prefer }, body: resource });
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
