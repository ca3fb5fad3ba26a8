import { isBodyWithin } from '../smart/scope-restriction';
import { randomUUID } from 'node:crypto';
import { badRequest, HttpError, unprocessable } from '../errors/http-error';
import type { RequestContext } from './interaction-context';

const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;
/** Server-owned meta fields: taken from the columns on the way out, dropped on the way in. */
const SERVER_META = new Set(['versionId', 'lastUpdated', 'createdAt']);
export const CREATED_AT_EXTENSION = 'https://aidbox.app/ex/createdAt';

export function checkId(id: string): string {
  if (!ID_PATTERN.test(id)) throw badRequest(`'${id}' is not a valid id: use 1 to 64 letters, digits, '-' or '.'`);
  return id;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Removes id, resourceType and server meta: they live in the table's columns. */
function stripServerFields(resource: Record<string, unknown>): Record<string, unknown> {
  const { id: _id, resourceType: _type, meta, ...rest } = resource;
  if (!isPlainObject(meta)) return meta === undefined ? rest : { ...rest, meta };
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(meta)) {
    if (SERVER_META.has(key)) continue;
    if (key === 'extension' && Array.isArray(value)) {
      const others = value.filter((ext) => !(isPlainObject(ext) && ext.url === CREATED_AT_EXTENSION));
      if (others.length) kept.extension = others;
      continue;
    }
    kept[key] = value;
  }
  return Object.keys(kept).length ? { ...rest, meta: kept } : rest;
}

export interface PreparedResource {
  id: string;
  /** The JSONB body to store. */
  resource: Record<string, unknown>;
}

/**
 * Turns a request body into a validated stored body: checks resourceType and id against the URL,
 * converts references, validates against the type's schema (422 with one issue per problem), and
 * runs the type's write hooks (e.g. password hashing).
 * idFromUrl: the id in the URL (update); undefined on create, where a client id is kept or one is made.
 */
export async function prepareResource(
  ctx: RequestContext,
  resourceType: string,
  body: unknown,
  idFromUrl: string | undefined,
  previous?: Record<string, unknown>,
): Promise<PreparedResource> {
  if (!isPlainObject(body)) throw badRequest(`The body must be a ${resourceType} resource (a JSON or YAML object)`);
  if (body.resourceType !== undefined && body.resourceType !== resourceType) {
    throw badRequest(`The body is a ${String(body.resourceType)}, but the URL names ${resourceType}`);
  }
  if (body.id !== undefined && typeof body.id !== 'string') throw badRequest('The resource id must be a string');
  if (idFromUrl !== undefined && body.id !== undefined && body.id !== idFromUrl) {
    throw badRequest(`The resource id '${body.id}' does not match the id '${idFromUrl}' in the URL`);
  }
  const id = checkId(idFromUrl ?? (body.id as string | undefined) ?? randomUUID());
  const stored = stripServerFields(ctx.format.toStored({ ...body, resourceType }));
  const issues = ctx.services.validator.validate({ resourceType, id, ...stored });
  if (issues.length) throw unprocessable(issues);
  let resource = stored;
  // A SMART token writes only within its scopes: a patient/ token, only its patient's resources.
  if (ctx.smart && !(await isBodyWithin(ctx.q, ctx.smart.restriction, id, resource, [ctx.format.base]))) {
    throw new HttpError(403, 'forbidden', `The ${resourceType} would lie outside the token's scopes`);
  }
  for (const hook of ctx.services.hooks.write.get(resourceType) ?? []) {
    resource = await hook.beforeWrite(resource, { q: ctx.q, id, previous });
  }
  return { id, resource };
}
