import type { Queryable } from '../db/database';
import { badRequest, gone, notFound } from '../errors/http-error';
import { applyShape, parseShape, parseSummary } from '../search/summarize-resource';
import { readResourceBatched } from '../store/read-batcher';
import { readLatestVersion, readResource, readVersion, type StoredVersion } from '../store/resource-store';
import type { RequestContext, ResourceRequest, ResourceResponse } from './interaction-context';
import { isNotModified } from './is-not-modified';
import { versionHeaders } from './version-headers';

/** The current version, or 410 when the latest version is a deletion, or 404. */
export async function loadCurrent(q: Queryable, resourceType: string, id: string, forUpdate = false): Promise<StoredVersion> {
  return (await readResource(q, resourceType, id, forUpdate)) ?? absent(q, resourceType, id);
}

/** Why there is no current version: 410 when the latest version is a deletion, else 404. */
async function absent(q: Queryable, resourceType: string, id: string): Promise<never> {
  const latest = await readLatestVersion(q, resourceType, id);
  if (latest?.status === 'deleted') throw gone(`${resourceType}/${id} was deleted`);
  throw notFound(`${resourceType}/${id} not found`);
}

function single(req: ResourceRequest, name: string): string | undefined {
  const values = req.query[name];
  if (values && values.length > 1) throw badRequest(`${name} may be given once`);
  return values?.[0];
}

/** The resource as the client asked for it: whole, or what `_summary` or `_elements` keeps. */
function presented(ctx: RequestContext, req: ResourceRequest, version: StoredVersion): Record<string, unknown> {
  const resource = ctx.format.present(version);
  if (req.query._summary === undefined && req.query._elements === undefined) return resource;
  const summary = parseSummary(single(req, '_summary'));
  if (summary === 'count') throw badRequest('_summary=count is for searches');
  return applyShape(resource, parseShape(summary, single(req, '_elements')), ctx.services.registry.summaryElementsOf(version.resourceType));
}

/**
 * 200 with the version, or 304 without a body when the client's copy is current (If-None-Match,
 * If-Modified-Since); the 304 keeps ETag and Last-Modified so that the client can refresh its copy's.
 */
function respond(ctx: RequestContext, req: ResourceRequest, version: StoredVersion): ResourceResponse {
  const headers = versionHeaders(ctx.format, version);
  if (isNotModified(req.headers, version)) return { status: 304, headers };
  return { status: 200, headers, body: presented(ctx, req, version) };
}

export async function readOne(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const { resourceType, id } = req as Required<ResourceRequest>;
  // Outside a transaction, concurrent reads share a round trip (see read-batcher.ts).
  const found = ctx.q === ctx.services.db ? await readResourceBatched(ctx.q, resourceType, id) : await readResource(ctx.q, resourceType, id);
  const version = found ?? (await absent(ctx.q, resourceType, id));
  return respond(ctx, req, version);
}

export async function readOneVersion(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const { resourceType, id, versionId } = req as Required<ResourceRequest>;
  const txid = /^\d{1,15}$/.test(versionId) ? Number(versionId) : undefined;
  const version = txid === undefined ? undefined : await readVersion(ctx.q, resourceType, id, txid);
  if (!version) throw notFound(`${resourceType}/${id} has no version ${versionId}`);
  if (version.status === 'deleted') throw gone(`Version ${versionId} of ${resourceType}/${id} is its deletion`);
  return respond(ctx, req, version);
}
