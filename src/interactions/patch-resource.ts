import jsonPatch, { type Operation } from 'fast-json-patch';
import { HttpError, badRequest, preconditionFailed, unsupportedMediaType } from '../errors/http-error';
import { updateResource } from '../store/resource-store';
import { applyMergePatch } from './apply-merge-patch';
import type { InteractionContext, ResourceRequest, ResourceResponse } from './interaction-context';
import { prepareResource } from './prepare-resource';
import { loadCurrent } from './read-resource';
import { respondWithVersion } from './respond-with-version';
import { parseIfMatch } from './version-headers';

/** Errors that mean the patch document itself is malformed (400); the rest are unprocessable (422). */
const MALFORMED = new Set([
  'SEQUENCE_NOT_AN_ARRAY', 'OPERATION_NOT_AN_OBJECT', 'OPERATION_OP_INVALID', 'OPERATION_PATH_INVALID',
  'OPERATION_FROM_REQUIRED', 'OPERATION_VALUE_REQUIRED', 'OPERATION_VALUE_CANNOT_CONTAIN_UNDEFINED',
]);

function applyJsonPatch(document: Record<string, unknown>, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw badRequest('A JSON Patch body must be an array of operations');
  try {
    // validate=true checks each operation before applying; the document is a private copy.
    return jsonPatch.applyPatch(document, operations as Operation[], true, true, true).newDocument;
  } catch (error) {
    const name = (error as { name?: string }).name ?? '';
    const message = (error as Error).message.split('\n')[0];
    if (MALFORMED.has(name)) throw badRequest(`Malformed JSON Patch: ${message}`);
    throw new HttpError(422, 'processing', `The patch cannot be applied: ${message}`);
  }
}

/**
 * PATCH with JSON Patch (RFC 6902) or merge patch (RFC 7396), applied to the resource as this path
 * style shows it. The result is validated like any write; the row is locked from read to write, so a
 * failing patch changes nothing and adds no version.
 */
export async function patchOne(ctx: InteractionContext, req: ResourceRequest): Promise<ResourceResponse> {
  const resourceType = req.resourceType!;
  const id = req.id!;
  const expected = parseIfMatch(req.headers['if-match']);
  const kind = req.contentType;
  if (kind !== 'application/json-patch+json' && kind !== 'application/merge-patch+json') {
    throw unsupportedMediaType('PATCH takes application/json-patch+json or application/merge-patch+json');
  }
  const current = await loadCurrent(ctx.q, resourceType, id, true);
  if (expected !== undefined && current.txid !== expected) throw preconditionFailed(`${resourceType}/${id} is not at version ${expected}`);
  const shown = ctx.format.present(current);
  const patched = kind === 'application/json-patch+json' ? applyJsonPatch(structuredClone(shown), req.body) : applyMergePatch(shown, req.body);
  const prepared = await prepareResource(ctx, resourceType, patched, id, current.resource);
  const updated = await updateResource(ctx.q, resourceType, id, prepared.resource, current.txid);
  if (!updated) throw preconditionFailed(`${resourceType}/${id} changed while it was being patched`);
  return respondWithVersion(ctx, req, updated, 200);
}
