import type { Queryable } from '../db/database';
import { gone, notFound } from '../errors/http-error';
import { readResourceBatched } from '../store/read-batcher';
import { readLatestVersion, readResource, readVersion, type StoredVersion } from '../store/resource-store';
import type { RequestContext, ResourceRequest, ResourceResponse } from './interaction-context';
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

export async function readOne(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const { resourceType, id } = req as Required<ResourceRequest>;
  // Outside a transaction, concurrent reads share a round trip (see read-batcher.ts).
  const found = ctx.q === ctx.services.db ? await readResourceBatched(ctx.q, resourceType, id) : await readResource(ctx.q, resourceType, id);
  const version = found ?? (await absent(ctx.q, resourceType, id));
  return { status: 200, headers: versionHeaders(ctx.format, version), body: ctx.format.present(version) };
}

export async function readOneVersion(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const { resourceType, id, versionId } = req as Required<ResourceRequest>;
  const txid = /^\d{1,15}$/.test(versionId) ? Number(versionId) : undefined;
  const version = txid === undefined ? undefined : await readVersion(ctx.q, resourceType, id, txid);
  if (!version) throw notFound(`${resourceType}/${id} has no version ${versionId}`);
  if (version.status === 'deleted') throw gone(`Version ${versionId} of ${resourceType}/${id} is its deletion`);
  return { status: 200, headers: versionHeaders(ctx.format, version), body: ctx.format.present(version) };
}
