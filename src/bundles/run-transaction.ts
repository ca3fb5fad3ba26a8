import { HttpError } from '../errors/http-error';
import type { RequestContext } from '../interactions/interaction-context';
import { toHttpError } from '../http/to-http-error';
import { isPlainObject } from '../interactions/prepare-resource';
import { assignIds, processingOrder, type BundleEntry } from './bundle-entry';
import { dispatchEntry, toEntryResponse } from './dispatch-entry';
import { resolveUrnReferences, resolveUrnsInUrl } from './resolve-urn-references';

/** Serialization failures and deadlocks are retried this many times before the client sees a 409. */
const MAX_ATTEMPTS = 3;
const RETRYABLE = new Set(['40001', '40P01']);
const isRetryable = (error: unknown) => RETRYABLE.has((error as { code?: string } | null)?.code ?? '');

/** The failing entry, named in the OperationOutcome: "entry[2] (POST Patient): …". */
function entryError(entry: BundleEntry, error: unknown): unknown {
  if (isRetryable(error)) return error;
  const known = toHttpError(error);
  if (!known) return error;
  const name = `entry[${entry.index}] (${entry.method} ${entry.url})`;
  const issues = known.issues.map((issue) => ({
    ...issue,
    diagnostics: `${name}: ${issue.diagnostics}`,
    expression: [`Bundle.entry[${entry.index}]`, ...(issue.expression ?? [])],
  }));
  return new HttpError(known.status, known.issues[0]?.code ?? 'processing', `${name}: ${known.message}`, issues, known.headers);
}

function locationTarget(location: string | undefined, base: string): { resourceType: string; id: string } | undefined {
  const match = location && new RegExp(`^${base.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([A-Za-z]+)/([^/]+)`).exec(location);
  return match ? { resourceType: match[1], id: match[2] } : undefined;
}

function bodyTarget(body: unknown): { resourceType: string; id: string } | undefined {
  return isPlainObject(body) && typeof body.resourceType === 'string' && typeof body.id === 'string' ? { resourceType: body.resourceType, id: body.id } : undefined;
}

async function runEntries(scope: RequestContext, entries: BundleEntry[], prefer: string | undefined): Promise<Record<string, unknown>[]> {
  const copies = entries.map((entry) => ({ ...entry }));
  const urns = assignIds(copies);
  const responses: Record<string, unknown>[] = new Array(copies.length);
  for (const entry of processingOrder(copies)) {
    try {
      const resource = isPlainObject(entry.resource) ? resolveUrnReferences(entry.resource, urns, scope.format.name) : entry.resource;
      const response = await dispatchEntry(scope, entry, resolveUrnsInUrl(entry.url, urns), resource, prefer);
      const target = locationTarget(response.headers?.location, scope.format.base) ?? bodyTarget(response.body);
      if (entry.fullUrl?.startsWith('urn:uuid:') && target) urns.set(entry.fullUrl, target);
      responses[entry.index] = toEntryResponse(response);
    } catch (error) {
      throw entryError(entry, error);
    }
  }
  return responses;
}

/**
 * A transaction bundle: every entry in one database transaction, all or nothing (FHIR
 * http.html#transaction). Each entry re-enters the router with the transaction as its handle.
 */
export async function runTransaction(scope: RequestContext, entries: BundleEntry[], prefer: string | undefined): Promise<Record<string, unknown>> {
  for (let attempt = 1; ; attempt++) {
    try {
      const responses = await scope.services.db.transaction((tx) => runEntries({ ...scope, q: tx }, entries, prefer));
      // FHIR JSON has no empty arrays (json.html#arrays): an empty transaction answers without entry.
      return { resourceType: 'Bundle', type: 'transaction-response', ...(responses.length ? { entry: responses } : {}) };
    } catch (error) {
      if (!isRetryable(error) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
