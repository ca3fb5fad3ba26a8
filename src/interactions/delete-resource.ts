import { notFound, preconditionFailed } from '../errors/http-error';
import { deleteResource, readLatestVersion, readResource } from '../store/resource-store';
import type { RequestContext, ResourceRequest, ResourceResponse } from './interaction-context';
import { versionHeaders, parseIfMatch } from './version-headers';

/** DELETE: 200 with the deleted resource; already deleted: 204; never existed: 404. */
export async function deleteOne(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const resourceType = req.resourceType!;
  const id = req.id!;
  const expected = parseIfMatch(req.headers['if-match']);
  const deleted = await deleteResource(ctx.q, resourceType, id, expected);
  if (deleted) return { status: 200, headers: versionHeaders(ctx.format, deleted), body: ctx.format.present(deleted) };
  if (expected !== undefined && (await readResource(ctx.q, resourceType, id))) {
    throw preconditionFailed(`${resourceType}/${id} is not at version ${expected}`);
  }
  const latest = await readLatestVersion(ctx.q, resourceType, id);
  if (latest?.status === 'deleted') return { status: 204 };
  throw notFound(`${resourceType}/${id} not found`);
}
