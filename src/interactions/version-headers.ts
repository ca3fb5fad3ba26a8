import { badRequest } from '../errors/http-error';
import type { StoredVersion } from '../store/resource-store';
import type { ResourceFormat } from './interaction-context';

export function versionHeaders(format: ResourceFormat, version: StoredVersion, withLocation = false): Record<string, string> {
  const headers: Record<string, string> = {
    etag: `W/"${version.txid}"`,
    'last-modified': version.ts.toUTCString(),
  };
  if (withLocation) headers.location = `${format.base}/${version.resourceType}/${version.id}/_history/${version.txid}`;
  return headers;
}

/** If-Match: W/"12", "12" or 12 → 12. */
export function parseIfMatch(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(value);
  if (!match) throw badRequest(`If-Match must be a version ETag such as W/"12", got '${value}'`);
  return Number(match[1]);
}

/** Prefer: return=minimal | representation | OperationOutcome (RFC 7240; FHIR http.html#return). */
export function preferredReturn(prefer: string | undefined): 'minimal' | 'representation' | 'OperationOutcome' {
  const match = /return\s*=\s*"?(minimal|representation|OperationOutcome)"?/i.exec(prefer ?? '');
  if (!match) return 'representation';
  const value = match[1].toLowerCase();
  return value === 'minimal' ? 'minimal' : value === 'operationoutcome' ? 'OperationOutcome' : 'representation';
}
