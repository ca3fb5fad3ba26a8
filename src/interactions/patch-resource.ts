import jsonPatch, { type Operation } from 'fast-json-patch';
import { HttpError, badRequest, preconditionFailed, unsupportedMediaType } from '../errors/http-error';
import { bodyShapeProblem } from '../http/parse-body';
import { updateResource } from '../store/resource-store';
import { applyMergePatch } from './apply-merge-patch';
import type { RequestContext, ResourceRequest, ResourceResponse } from './interaction-context';
import { prepareResource } from './prepare-resource';
import { loadCurrent } from './read-resource';
import { respondWithVersion } from './respond-with-version';
import { parseIfMatch } from './version-headers';

/** Errors that mean the patch document itself is malformed (400); the rest are unprocessable (422). */
const MALFORMED = new Set([
  'SEQUENCE_NOT_AN_ARRAY', 'OPERATION_NOT_AN_OBJECT', 'OPERATION_OP_INVALID', 'OPERATION_PATH_INVALID',
  'OPERATION_FROM_REQUIRED', 'OPERATION_VALUE_REQUIRED', 'OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED',
]);

function valueAt(document: unknown, pointer: unknown): unknown {
  if (typeof pointer !== 'string') return undefined;
  try {
    return jsonPatch.getValueByPointer(document, pointer);
  } catch {
    return undefined;
  }
}

/**
 * Applies the operations one at a time, keeping an upper bound of the document's size: `copy`
 * duplicates a part of it (twenty copies of the root would make it a million times larger), and
 * `add` and `replace` bring their own value. Past `maxBytes` the patch is refused before the
 * operation that would cross it runs.
 */
function applyJsonPatch(document: Record<string, unknown>, operations: unknown, maxBytes: number): unknown {
  if (!Array.isArray(operations)) throw badRequest('A JSON Patch body must be an array of operations');
  let result: unknown = document;
  let size = JSON.stringify(document).length;
  try {
    operations.forEach((operation: Operation, index) => {
      const added = operation?.op === 'copy' ? valueAt(result, operation.from) : operation?.op === 'add' || operation?.op === 'replace' ? operation.value : undefined;
      size += added === undefined ? 0 : (JSON.stringify(added)?.length ?? 0);
      if (size > maxBytes) throw new HttpError(422, 'too-costly', `The patch would make the resource larger than the ${maxBytes}-byte body limit (at operation ${index})`);
      // validate=true checks the operation before applying; the document is a private copy.
      result = jsonPatch.applyOperation(result, operation, true, true, true, index).newDocument;
    });
  } catch (error) {
    if (error instanceof HttpError) throw error;
    const name = (error as { name?: string }).name ?? '';
    const message = (error as Error).message.split('\n')[0];
    if (MALFORMED.has(name)) throw badRequest(`Malformed JSON Patch: ${message}`);
    throw new HttpError(422, 'processing', `The patch cannot be applied: ${message}`);
  }
  // Many operations can nest what one body could not: the result is held to the body's limits.
  const problem = bodyShapeProblem(result);
  if (problem) throw new HttpError(422, problem.code, `The patched resource is refused: ${problem.message}`);
  return result;
}

/**
 * Which patch the body is. Its media type says so; for plain application/json the reference
 * product guesses, and so do we: an array is a JSON Patch, anything else a merge patch.
 */
function patchKind(contentType: string | undefined, body: unknown): 'json-patch' | 'merge-patch' {
  if (contentType === 'application/json-patch+json') return 'json-patch';
  if (contentType === 'application/merge-patch+json') return 'merge-patch';
  if (contentType === 'application/json') return Array.isArray(body) ? 'json-patch' : 'merge-patch';
  throw unsupportedMediaType('PATCH takes application/json-patch+json, application/merge-patch+json or application/json');
}

/**
 * PATCH with JSON Patch (RFC 6902) or merge patch (RFC 7396), applied to the resource as this path
 * style shows it. The result is validated like any write; the row is locked from read to write, so a
 * failing patch changes nothing and adds no version.
 */
export async function patchOne(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const resourceType = req.resourceType!;
  const id = req.id!;
  const expected = parseIfMatch(req.headers['if-match']);
  const kind = patchKind(req.contentType, req.body);
  const current = await loadCurrent(ctx.q, resourceType, id, true);
  if (expected !== undefined && current.txid !== expected) throw preconditionFailed(`${resourceType}/${id} is not at version ${expected}`);
  const shown = ctx.format.present(current);
  const patched = kind === 'json-patch' ? applyJsonPatch(structuredClone(shown), req.body, ctx.services.config.bodyLimitBytes) : applyMergePatch(shown, req.body);
  const prepared = await prepareResource(ctx, resourceType, patched, id, current.resource);
  const updated = await updateResource(ctx.q, resourceType, id, prepared.resource, current.txid);
  if (!updated) throw preconditionFailed(`${resourceType}/${id} changed while it was being patched`);
  return respondWithVersion(ctx, req, updated, 200);
}
