import { reportError } from '../errors/report-error';
import { toOperationOutcome } from '../errors/to-operation-outcome';
import type { RequestContext } from '../interactions/interaction-context';
import { toHttpError } from '../http/to-http-error';
import type { BundleEntry } from './bundle-entry';
import { dispatchEntry, toEntryResponse } from './dispatch-entry';
import { STATUS_CODES } from 'node:http';

/**
 * A batch bundle: entries are independent (FHIR http.html#brules); each runs in a transaction of its
 * own and reports its own status; a failure is an OperationOutcome in its response.outcome.
 */
export async function runBatch(scope: RequestContext, entries: BundleEntry[], prefer: string | undefined): Promise<Record<string, unknown>> {
  const responses: Record<string, unknown>[] = [];
  for (const entry of entries) {
    try {
      const response = await scope.services.db.transaction((tx) => dispatchEntry({ ...scope, q: tx }, entry, entry.url, entry.resource, prefer));
      responses.push(toEntryResponse(response));
    } catch (error) {
      const known = toHttpError(error);
      reportError(scope.logger, error, { entry: entry.index });
      const status = known?.status ?? 500;
      const outcome = toOperationOutcome(known?.issues ?? [{ severity: 'error', code: 'exception', diagnostics: `Unexpected server error in entry[${entry.index}]` }]);
      responses.push({ response: { status: `${status} ${STATUS_CODES[status] ?? ''}`.trim(), outcome } });
    }
  }
  // FHIR JSON has no empty arrays (json.html#arrays): an empty batch answers without entry.
  return { resourceType: 'Bundle', type: 'batch-response', ...(responses.length ? { entry: responses } : {}) };
}
