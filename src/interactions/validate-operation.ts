import { badRequest, HttpError, type OutcomeIssue } from '../errors/http-error';
import { toOperationOutcome } from '../errors/to-operation-outcome';
import { readLatestVersion, readResource } from '../store/resource-store';
import type { RequestContext, ResourceRequest, ResourceResponse } from './interaction-context';
import { isPlainObject, prepareResource } from './prepare-resource';

type Mode = 'create' | 'update' | 'delete';
const MODES: readonly string[] = ['create', 'update', 'delete'] satisfies Mode[];
const QUERY_PARAMETERS = new Set(['mode', 'profile', '_format']);

interface ValidateInput {
  resource: unknown;
  mode?: Mode;
  profile?: string;
}

function parseMode(raw: unknown): Mode | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'profile') throw new HttpError(400, 'not-supported', 'mode=profile is not supported: resources are validated against the base definitions only');
  if (typeof raw !== 'string' || !MODES.includes(raw)) throw badRequest(`mode must be create, update or delete, got ${JSON.stringify(raw)}`);
  return raw as Mode;
}

function single(query: Record<string, string[]>, name: string): string | undefined {
  const values = query[name];
  if (values && values.length > 1) throw badRequest(`${name} may be given once`);
  return values?.[0];
}

/**
 * The operation's input: the body is the resource itself, or a Parameters resource with `resource`,
 * `mode` and `profile` (OperationDefinition Resource-validate); mode and profile may also come in
 * the query. A Parameters body sent to Parameters/$validate is the resource to validate.
 */
function parseInput(req: ResourceRequest): ValidateInput {
  for (const name of Object.keys(req.query)) if (!QUERY_PARAMETERS.has(name)) throw badRequest(`Unknown $validate parameter '${name}'`);
  const fromQuery = { mode: single(req.query, 'mode'), profile: single(req.query, 'profile') };
  const body = req.body;
  if (!isPlainObject(body) || body.resourceType !== 'Parameters' || req.resourceType === 'Parameters') {
    return { resource: body, mode: parseMode(fromQuery.mode), profile: fromQuery.profile };
  }
  const given: Record<string, unknown> = {};
  for (const parameter of Array.isArray(body.parameter) ? body.parameter : []) {
    if (!isPlainObject(parameter)) throw badRequest('Each Parameters.parameter must be an object');
    const name = parameter.name;
    if (name !== 'resource' && name !== 'mode' && name !== 'profile') throw badRequest(`Unknown $validate parameter ${JSON.stringify(name)}: use resource, mode or profile`);
    if (name in given) throw badRequest(`The $validate parameter '${name}' may be given once`);
    given[name] = name === 'resource' ? parameter.resource : (parameter.valueCode ?? parameter.valueUri ?? parameter.valueCanonical ?? parameter.valueString);
  }
  if (fromQuery.mode !== undefined && given.mode !== undefined && fromQuery.mode !== given.mode) throw badRequest('mode is given twice, with two values');
  return { resource: given.resource, mode: parseMode(given.mode ?? fromQuery.mode), profile: (given.profile as string | undefined) ?? fromQuery.profile };
}

/** mode=delete: only that the resource is there to delete (references to it are not looked for). */
async function deleteProblems(ctx: RequestContext, resourceType: string, id: string): Promise<OutcomeIssue[]> {
  if (await readResource(ctx.q, resourceType, id)) return [];
  const gone = (await readLatestVersion(ctx.q, resourceType, id))?.status === 'deleted';
  return [{ severity: 'error', code: 'not-found', diagnostics: `${resourceType}/${id} ${gone ? 'is already deleted' : 'does not exist'}` }];
}

/**
 * What create or update would refuse, judged by the same code (prepareResource: resourceType and
 * id checks, the schema, the type's write hooks such as an AccessPolicy's compilation), and for
 * mode=create an id that is taken. Nothing is stored.
 */
async function writeProblems(ctx: RequestContext, req: ResourceRequest, resource: unknown, mode: Mode | undefined): Promise<OutcomeIssue[]> {
  const resourceType = req.resourceType!;
  if (resource === undefined) throw badRequest("The body must be the resource to validate, or a Parameters resource with a 'resource' parameter");
  const bodyId = isPlainObject(resource) && typeof resource.id === 'string' ? resource.id : undefined;
  // update (and any validation at the instance level) checks the body's id against the URL's.
  const id = mode === 'update' ? (req.id ?? bodyId) : mode === 'create' ? undefined : req.id;
  if (mode === 'update' && id === undefined) return [{ severity: 'error', code: 'required', diagnostics: 'mode=update needs the id: in the URL (/<Type>/<id>/$validate) or in the resource' }];
  const previous = mode === 'update' && ctx.services.hooks.write.has(resourceType) ? await readResource(ctx.q, resourceType, id!) : undefined;
  try {
    await prepareResource(ctx, resourceType, resource, id, previous?.resource);
  } catch (error) {
    if (error instanceof HttpError && (error.status === 400 || error.status === 422)) return error.issues;
    throw error;
  }
  if (mode === 'create' && bodyId !== undefined && (await readResource(ctx.q, resourceType, bodyId))) {
    return [{ severity: 'error', code: 'duplicate', diagnostics: `${resourceType}/${bodyId} already exists: a create with this id would be refused` }];
  }
  return [];
}

/**
 * POST /<Type>/$validate and /<Type>/<id>/$validate (FHIR R4 operation-resource-validate): 200
 * with an OperationOutcome listing the problems, or one informational issue when there are none;
 * a 4xx only when the validation itself cannot run (unknown parameter or mode, no resource).
 */
export async function validateOperation(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const resourceType = req.resourceType!;
  const input = parseInput(req);
  if (input.mode === 'create' && req.id !== undefined) throw badRequest('mode=create is validated at the type level: POST /<Type>/$validate');
  let issues: OutcomeIssue[];
  if (input.mode === 'delete') {
    const id = req.id ?? (isPlainObject(input.resource) && typeof input.resource.id === 'string' ? input.resource.id : undefined);
    if (id === undefined) throw badRequest('mode=delete needs the id of the resource: POST /<Type>/<id>/$validate?mode=delete');
    issues = await deleteProblems(ctx, resourceType, id);
  } else {
    issues = await writeProblems(ctx, req, input.resource, input.mode);
  }
  if (issues.length === 0) issues = [{ severity: 'information', code: 'informational', diagnostics: `No problems found: the ${resourceType} is valid${input.mode ? ` for ${input.mode}` : ''}` }];
  if (input.profile !== undefined) {
    issues.push({ severity: 'warning', code: 'not-supported', diagnostics: `The profile '${input.profile}' was not checked: only the base definition of ${resourceType} is validated` });
  }
  return { status: 200, body: toOperationOutcome(issues) };
}
