import { toOperationOutcome } from '../errors/to-operation-outcome';
import type { StoredVersion } from '../store/resource-store';
import type { RequestContext, ResourceRequest, ResourceResponse } from './interaction-context';
import { preferredReturn, versionHeaders } from './version-headers';

/** A write's answer: status, ETag, Last-Modified, Location, and the body the client preferred. */
export function respondWithVersion(ctx: RequestContext, req: ResourceRequest, version: StoredVersion, status: number): ResourceResponse {
  const headers = versionHeaders(ctx.format, version, status === 201 || req.method === 'PUT');
  switch (preferredReturn(req.headers.prefer)) {
    case 'minimal':
      return { status, headers };
    case 'OperationOutcome':
      return {
        status,
        headers,
        body: toOperationOutcome([{ severity: 'information', code: 'informational', diagnostics: `${version.resourceType}/${version.id} version ${version.txid} ${version.status}` }]),
      };
    default:
      return { status, headers, body: ctx.format.present(version) };
  }
}
