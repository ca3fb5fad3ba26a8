import { accessDenied, decideAccess } from '../access/authorize-request';
import { badRequest, notFound } from '../errors/http-error';
import { isDatabaseUnavailable } from '../db/is-database-unavailable';
import { explainAccess } from '../access/explain-access';
import { isAdministrator } from '../access/is-administrator';
import { toPolicyRequest } from '../access/to-policy-request';
import type { AuthContext } from '../auth/auth-context';
import { authenticateRequest } from '../auth/authenticate-request';
import { createCors, type Cors } from '../http/cors';
import { negotiateFormat, prefersPlainJson, type WireFormat } from '../http/negotiate-format';
import { mediaTypeOf, parseBody } from '../http/parse-body';
import type { RequestContext, ResourceFormat, ResourceRequest, ResourceResponse, Services } from '../interactions/interaction-context';
import { fhirFormat, storedFormat } from '../interactions/resource-formats';
import { withFields } from '../log/logger';
import { parseParams } from '../oauth/parse-params';
import { mergeFormParameters } from '../search/merge-form-parameters';
import { checkAccessBeforeBody } from '../access/check-access-before-body';
import { createRouteMatcher, type MatchedRoute, type RouteMatcher } from './match-route';
import type { Route } from './route';
import { ROUTES } from './route-table';
import { splitEntryUrl } from './split-entry-url';
import { checkScopes, type ScopeGate } from '../smart/check-scopes';
import { smartAccessOf } from '../smart/smart-access';

/**
 * One request on its way through the stages: what the edge (or a bundle) hands in, and what each
 * stage adds. Nothing here knows node:http.
 */
export interface Exchange {
  method: string;
  /** The path's segments, decoded. */
  segments: string[];
  query: Record<string, string[]>;
  /** Lowercased names. */
  headers: Record<string, string | undefined>;
  /** The path as the client wrote it: what policies see as `uri`. */
  uri: string;
  /** The request announces a body (Content-Length or Transfer-Encoding). */
  hasBody: boolean;
  /** Reads the body once, at most `limit` bytes (413 beyond); absent for bundle entries. */
  readBody?: (limit: number) => Promise<Buffer | undefined>;
  /** Given for a bundle entry: the entry's resource, already parsed. */
  body?: unknown;
  ctx: RequestContext;
  // Added by the stages:
  matched?: MatchedRoute;
  /** How the response (or an error) is written: JSON unless negotiated otherwise. */
  wire?: WireFormat;
  /** CORS headers for the response, errors included. */
  corsHeaders?: Record<string, string>;
  /** The client prefers FHIR JSON labelled application/json. */
  plainJson?: boolean;
  raw?: Buffer;
  params?: Record<string, string>;
  /** What a SMART token's scopes confine the handler to. */
  gate?: ScopeGate;
  response?: ResourceResponse;
}

type Stage = (x: Exchange, pipeline: PipelineParts) => Promise<void> | void;

interface PipelineParts {
  cors: Cors;
  matcher: RouteMatcher;
  formats: { fhir: ResourceFormat; stored: ResourceFormat };
}

/**
 * The request's life, one stage per line, for every route and every bundle entry:
 */
const STAGES: ReadonlyArray<readonly [string, Stage]> = [
  ['cors', cors],
  ['resolve route', resolveRoute],
  ['negotiate the response format', negotiateResponseFormat],
  ['authenticate', authenticate],
  ['authorize before the body', authorizeBeforeBody],
  ['read and parse the body', readAndParseBody],
  ['authorize', authorize],
  ['check the token\'s scopes', checkTokenScopes],
  ['execute', execute],
];

/** Where the route says the pipeline should look for a caller, decide access, read a body. */
const needsCaller = (route: Route) => !route.public;
const needsPolicy = (route: Route) => !route.public && !route.selfAuthorized && route.kind === 'resource';

/**
 * CORS (src/http/cors.ts): a preflight is answered here — OPTIONS is no route's method, so this
 * comes before the route is resolved — and every other response, errors included, gets the
 * headers for its origin and path. Bundle entries have no origin of their own.
 */
async function cors(x: Exchange, { cors }: PipelineParts): Promise<void> {
  if (x.readBody === undefined) return;
  // Decided on the decoded path: `//auth/login` or `/%61uth/login` is the login page too.
  const path = x.uri;
  const preflight = x.method === 'OPTIONS' ? await cors.preflight(path, x.headers) : undefined;
  if (preflight) {
    x.response = { status: 204, headers: preflight };
    return;
  }
  try {
    x.corsHeaders = await cors.headersFor(path, x.headers);
  } catch (error) {
    // The Clients' origins cannot be read: no origin is granted, and the request goes on (to its 503, or to /health).
    if (!isDatabaseUnavailable(error)) throw error;
    x.corsHeaders = { vary: 'Origin' };
  }
}

/** The route, before credentials or body: an unknown path or method costs nothing (404 / 405). */
function resolveRoute(x: Exchange, { matcher, formats }: PipelineParts): void {
  x.matched = matcher.match(x.method, x.segments, x.query);
  // A bundle entry is a resource interaction in its bundle's own path style: never another bundle,
  // never an OAuth endpoint, a page or an rpc call (those would run outside the bundle's transaction).
  if (x.readBody === undefined) {
    const { route } = x.matched;
    if (route.bundle) throw badRequest('A bundle entry cannot be another bundle');
    if (route.kind !== 'resource' || route.format !== x.ctx.format.name) throw notFound(`A bundle entry cannot address ${x.uri}`);
  }
  const format = x.matched.route.format === 'stored' ? formats.stored : formats.fhir;
  if (format !== x.ctx.format) x.ctx = { ...x.ctx, format };
}

/** JSON or YAML for the resource API (406 for neither), decided before anything runs; the other kinds have theirs. */
function negotiateResponseFormat(x: Exchange): void {
  const { kind } = x.matched!.route;
  if ((kind !== 'resource' && kind !== 'rpc') || x.readBody === undefined) return;
  x.wire = negotiateFormat(x.query._format?.[0], x.headers.accept);
  x.plainJson = prefersPlainJson(x.query._format?.[0], x.headers.accept);
}

/** Who is calling: headers only, before the body is read (bad credentials never cost a read). Bundle entries keep their bundle's caller. */
async function authenticate(x: Exchange): Promise<void> {
  if (!needsCaller(x.matched!.route) || x.readBody === undefined) return;
  const auth = await authenticateRequest(x.ctx.services, x.headers, x.ctx.edge.remoteAddr);
  x.ctx = { ...x.ctx, auth };
}

/** No credentials, a body, and no policy that could admit it: 401 without reading it (check-access-before-body.ts). */
async function authorizeBeforeBody(x: Exchange): Promise<void> {
  const { route } = x.matched!;
  if (!x.hasBody || x.readBody === undefined) return;
  if (route.beforeBody) return route.beforeBody(x.ctx, toRequest(x, undefined));
  if (!needsPolicy(route)) return;
  // A form-encoded search carries its parameters in the body.
  await checkAccessBeforeBody(x.ctx, route.operation!, policyRequestOf(x, undefined), route.searchForm ? ['body', 'params', 'query-string'] : ['body']);
}

/** JSON or YAML for resources (a form for POST _search), OAuth parameters for /auth/*; each route's size limit. */
async function readAndParseBody(x: Exchange): Promise<void> {
  const { route } = x.matched!;
  if (x.readBody === undefined) return;
  const contentType = x.headers['content-type'];
  if (route.body === 'none') return;
  x.raw = await x.readBody(route.bodyLimit ?? x.ctx.services.config.bodyLimitBytes);
  if (route.body === 'params') {
    // Credentials never travel in the URL (RFC 6749 §3.2, RFC 6750 §2.3): POST parameters come from the body alone.
    const query = new URLSearchParams();
    if (x.method === 'GET' || x.method === 'HEAD') for (const [name, values] of Object.entries(x.query)) for (const value of values) query.append(name, value);
    x.params = parseParams(x.raw, contentType, query);
    return;
  }
  // POST /<Type>/_search: form-encoded parameters join the query string's (FHIR search.html#search).
  if (route.searchForm) mergeFormParameters(x.query, x.raw, contentType);
  x.body = await parseBody(x.raw, contentType, route.searchForm === true, callerKey(x.ctx.auth, x.ctx.edge.remoteAddr));
}

/** AccessPolicy, default deny; `x-debug: policy` answers with the decision instead of executing. */
async function authorize(x: Exchange): Promise<void> {
  const { route } = x.matched!;
  if (!needsPolicy(route)) return;
  const { services, q, auth } = x.ctx;
  const request = policyRequestOf(x, x.body);
  if (wantsExplanation(x)) {
    x.response = { status: 200, body: await explainAccess(services.access, services.db, q, request, auth) };
    return;
  }
  if (!(await decideAccess(services.access, services.db, q, request, auth)).allowed) throw accessDenied(auth);
}

async function execute(x: Exchange): Promise<void> {
  // Caches hear of the writes a handler commits from the change bus (src/db/change-bus.ts).
  const ctx = x.gate ? { ...x.ctx, smart: x.gate } : x.ctx;
  x.response = await x.matched!.route.handler(ctx, toRequest(x, x.body));
}

/**
 * SMART scopes, after AccessPolicy: they narrow what a token may do, never widen it
 * (src/smart/check-scopes.ts). Tokens without SMART resource scopes pass untouched.
 */
async function checkTokenScopes(x: Exchange): Promise<void> {
  const { route, resourceType, id, compartment } = x.matched!;
  if (!needsPolicy(route)) return;
  const access = smartAccessOf(x.ctx.auth, (type) => x.ctx.services.registry.isResourceType(type));
  if (!access) return;
  x.gate = await checkScopes(x.ctx, access, { operation: route.operation!, resourceType, id, compartmentId: compartment?.id });
}

function policyRequestOf(x: Exchange, body: unknown) {
  const request = toRequest(x, body);
  const operation = { operation: x.matched!.route.operation!, resourceType: request.resourceType, id: request.id };
  return toPolicyRequest(request, operation, x.uri, x.ctx.auth, x.ctx.edge, x.ctx.services.hooks.hiddenFields);
}

function toRequest(x: Exchange, body: unknown): ResourceRequest {
  const { resourceType, id, versionId, pathParams, compartment } = x.matched!;
  return {
    method: x.method,
    resourceType,
    id,
    versionId,
    compartment,
    query: x.query,
    headers: x.headers,
    body,
    contentType: mediaTypeOf(x.headers['content-type']),
    uri: x.uri,
    pathParams,
    params: x.params,
  };
}

function wantsExplanation(x: Exchange): boolean {
  const asked = x.headers['x-debug'] === 'policy' || x.query._debug?.[0] === 'policy';
  if (!asked) return false;
  // An administrator (the bootstrap identities), or anyone on a development server.
  return x.ctx.services.config.devMode || isAdministrator(x.ctx.auth);
}

/** Who waits in the YAML worker's queue: each caller's bodies are limited there, not everyone's. */
function callerKey(auth: AuthContext, address: string | undefined): string {
  if (auth.user) return `user:${auth.user.id}`;
  if (auth.client) return `client:${auth.client.id}`;
  return `address:${address ?? ''}`;
}

export interface Pipeline {
  /** Runs an exchange through every stage; the response is on it afterwards. */
  run(x: Exchange): Promise<ResourceResponse>;
  /** The route kind at a path (how an error there is rendered), before or without a match. */
  kindAt(segments: readonly string[]): Route['kind'] | undefined;
  /** A fresh context for a request arriving at the edge. */
  contextFor(requestId: string, edge: RequestContext['edge']): RequestContext;
}

/** The pipeline of a running server: the route table resolved against its registry, its formats. */
export function createPipeline(services: Services, routes: readonly Route[] = ROUTES): Pipeline {
  const { config } = services;
  const parts: PipelineParts = {
    cors: createCors(config.corsAllowedOrigins, services.auth.origins),
    matcher: createRouteMatcher(routes, services.registry),
    formats: { fhir: fhirFormat(`${config.baseUrl}/fhir`, services.hooks, services.registry), stored: storedFormat(config.baseUrl, services.hooks) },
  };

  async function run(x: Exchange): Promise<ResourceResponse> {
    // A stage that answers (a preflight, a policy explanation) ends the request there.
    for (const [, stage] of STAGES) {
      await stage(x, parts);
      if (x.response) break;
    }
    return x.response!;
  }

  /** A bundle entry enters the same stages with its bundle's caller, handle and id, its body parsed. */
  function dispatch(ctx: RequestContext, entry: Parameters<RequestContext['dispatch']>[1]): Promise<ResourceResponse> {
    const { segments, query } = splitEntryUrl(entry.url, ctx.format.base);
    const prefix = ctx.format.name === 'fhir' ? ['fhir'] : [];
    const uri = `/${[...prefix, ...segments].map(encodeURIComponent).join('/')}`;
    return run({
      method: entry.method,
      segments: [...prefix, ...segments],
      query,
      headers: { ...entry.headers, 'content-type': entry.body === undefined ? undefined : 'application/json' },
      uri,
      hasBody: entry.body !== undefined,
      body: entry.body,
      ctx,
    });
  }

  return {
    run,
    kindAt: (segments) => parts.matcher.kindAt(segments),
    contextFor(requestId, edge) {
      return { services, q: services.db, format: parts.formats.fhir, auth: {}, edge, requestId, logger: withFields(services.logger, { requestId }), dispatch };
    },
  };
}
