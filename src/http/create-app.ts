import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import { testPolicy } from '../access/test-policy';
import { authenticateRequest } from '../auth/authenticate-request';
import { badRequest } from '../errors/http-error';
import { toOperationOutcome } from '../errors/to-operation-outcome';
import { createIdentityProviderRoutes } from '../identity/identity-provider-routes';
import type { Services } from '../interactions/interaction-context';
import { fhirFormat, storedFormat } from '../interactions/resource-formats';
import { NO_STORE } from '../oauth/auth-request';
import { OAuthError } from '../oauth/oauth-error';
import { openBrowserSession } from '../oauth/open-browser-session';
import { parseParams } from '../oauth/parse-params';
import { isSearchPost, mergeFormParameters } from '../search/merge-form-parameters';
import { AUTH_ROUTES, DELETE_SESSION, type AuthEndpoint } from './auth-routes';
import { createCors } from './cors';
import { handleResourceRequest, type ParsedPath } from './handle-resource-request';
import { negotiateFormat, serialize, type WireFormat } from './negotiate-format';
import { mediaTypeOf, parseBody } from './parse-body';
import { readBody } from './read-body';
import { DATABASE_RETRY_AFTER_SECONDS, isDataException, toHttpError } from './to-http-error';
import { checkAccessBeforeBody } from './check-access-before-body';
import { isDatabaseUnavailable } from '../db/is-database-unavailable';
import type { AuthContext } from '../auth/auth-context';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** What the error renderer needs to know about the request it answers. */
interface Exchange {
  requestId: string;
  wire: WireFormat;
  fhir: boolean;
  /** An OAuth endpoint: errors are RFC 6749 JSON. */
  oauth?: boolean;
}

/**
 * What an OAuth endpoint may be sent: form parameters, a client assertion, a subject token. Far
 * below the resource API's limit, since these endpoints take anyone's request.
 */
const AUTH_BODY_LIMIT_BYTES = 256 * 1024;

/** Whether the request announces a body (RFC 9112 §6.3). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/** Who waits in the YAML worker's queue: each caller's bodies are limited there, not everyone's. */
function callerKey(auth: AuthContext, address: string | undefined): string {
  if (auth.user) return `user:${auth.user.id}`;
  if (auth.client) return `client:${auth.client.id}`;
  return `address:${address ?? ''}`;
}

function parsePath(path: string): ParsedPath {
  const segments = path.split('/').filter(Boolean).map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw badRequest('The path is not valid percent-encoding');
    }
  });
  if (segments[0] === 'fhir') return { fhir: true, segments: segments.slice(1) };
  return { fhir: false, segments };
}

function parseQuery(search: string): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  if (!search) return query;
  for (const [name, value] of new URLSearchParams(search)) (query[name] ??= []).push(value);
  return query;
}

function headersOf(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

function write(res: ServerResponse, status: number, headers: Record<string, string>, contentType?: string, text?: string): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (text === undefined) return void res.end();
  res.setHeader('content-type', contentType!);
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

function send(res: ServerResponse, status: number, body: unknown, wire: WireFormat, fhir: boolean, headers: Record<string, string> = {}): void {
  if (body === undefined) return write(res, status, headers);
  const { contentType, text } = serialize(body, wire, fhir);
  write(res, status, headers, contentType, text);
}

/**
 * The HTTP edge on node:http, one stage per line for every request:
 *   request id → route (health, /auth/*, /.well-known/*, sign-in, resource API) → authenticate →
 *   (no credentials: authorize without the body) → read and parse the body → the pipeline
 *   (handle-resource-request) → serialize; any throw → one renderer.
 * Express serves only the identity-provider sign-in routes, which are rare and redirect-heavy.
 */
export function createApp(services: Services): RequestListener {
  const { config, logger } = services;
  const formats = { fhir: fhirFormat(`${config.baseUrl}/fhir`, services.hooks, services.registry), stored: storedFormat(config.baseUrl, services.hooks) };
  const scheme = new URL(config.baseUrl).protocol.replace(':', '');
  const cors = createCors(config.corsAllowedOrigins, services.auth.origins);
  const signIn = express().disable('x-powered-by').use(createIdentityProviderRoutes({
    db: services.db,
    baseUrl: config.baseUrl,
    logger,
    openSession: async (user, provider) => (await openBrowserSession(services, user.id, `identity-provider:${provider.id}`)).cookie,
  }));

  async function runAuthEndpoint(endpoint: AuthEndpoint, req: IncomingMessage, res: ServerResponse, exchange: Exchange, search: string): Promise<void> {
    exchange.oauth = true;
    const body = await readBody(req, Math.min(config.bodyLimitBytes, AUTH_BODY_LIMIT_BYTES));
    // Credentials never travel in the URL (RFC 6749 §3.2, RFC 6750 §2.3): POST parameters come from the body alone.
    const query = new URLSearchParams(req.method === 'GET' || req.method === 'HEAD' ? search : '');
    const params = parseParams(body, req.headers['content-type'], query);
    const response = await endpoint({ services, method: req.method!, params, headers: headersOf(req), address: req.socket.remoteAddress });
    if (response.html !== undefined) return write(res, response.status, response.headers ?? {}, 'text/html; charset=utf-8', response.html);
    if (response.body === undefined) return write(res, response.status, response.headers ?? {});
    write(res, response.status, response.headers ?? {}, 'application/json; charset=utf-8', JSON.stringify(response.body));
  }

  async function runResourceRequest(req: IncomingMessage, res: ServerResponse, exchange: Exchange, pathname: string, search: string): Promise<void> {
    const path = parsePath(pathname);
    const fhir = path.fhir;
    exchange.fhir = fhir;
    const query = parseQuery(search);
    exchange.wire = negotiateFormat(query._format?.[0], req.headers.accept);
    const headers = headersOf(req);
    // Who is calling is settled before the body is read: bad credentials never cost a read or a parse.
    const auth = await authenticateRequest(services, headers, req.socket.remoteAddress);
    const edge = { remoteAddr: req.socket.remoteAddress, scheme };
    const scope = { services, format: fhir ? formats.fhir : formats.stored, q: services.db, auth, edge };
    const searchPost = isSearchPost(req.method!, path.segments);
    const bare = { method: req.method!, query, headers, contentType: mediaTypeOf(headers['content-type']), uri: pathname };
    if (hasBody(req)) await checkAccessBeforeBody(scope, path, bare, searchPost);
    const raw = await readBody(req, config.bodyLimitBytes);
    // POST /<Type>/_search: form-encoded parameters join the query string's (FHIR search.html#search).
    if (searchPost) mergeFormParameters(query, raw, headers['content-type']);
    const body = await parseBody(raw, headers['content-type'], searchPost, callerKey(auth, edge.remoteAddr));
    const response = await handleResourceRequest(scope, path, { ...bare, body });
    send(res, response.status, response.body, exchange.wire, fhir, response.headers);
  }

  async function route(req: IncomingMessage, res: ServerResponse, exchange: Exchange): Promise<void> {
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const pathname = mark < 0 ? url : url.slice(0, mark);
    const search = mark < 0 ? '' : url.slice(mark + 1);
    const method = req.method === 'HEAD' ? 'GET' : req.method!;
    // CORS: a preflight is answered here; every other response, errors included, carries its headers.
    const preflight = req.method === 'OPTIONS' ? await cors.preflight(pathname, req.headers) : undefined;
    if (preflight) return write(res, 204, preflight);
    for (const [name, value] of Object.entries(await cors.headersFor(pathname, req.headers))) res.setHeader(name, value);
    if (pathname === '/health') return write(res, 200, {}, 'application/json; charset=utf-8', '{"status":"pass"}');
    if (pathname.startsWith('/auth/redirect/') || pathname.startsWith('/auth/callback/')) return void signIn(req as express.Request, res as express.Response);
    const authRoute = AUTH_ROUTES.get(pathname);
    if (authRoute) {
      const endpoint = authRoute[method];
      if (!endpoint) throw new OAuthError(405, 'invalid_request', `This endpoint takes ${Object.keys(authRoute).join(', ')}`, { allow: Object.keys(authRoute).join(', ') });
      return runAuthEndpoint(endpoint, req, res, exchange, search);
    }
    if (pathname === '/Session' && method === 'DELETE' && mark < 0) {
      return runAuthEndpoint(DELETE_SESSION, req, res, exchange, search);
    }
    if (pathname === '/auth/test-policy' && method === 'POST') {
      const auth = await authenticateRequest(services, headersOf(req), req.socket.remoteAddress);
      const raw = await readBody(req, config.bodyLimitBytes);
      const result = await testPolicy(services, auth, await parseBody(raw, req.headers['content-type'], false, callerKey(auth, req.socket.remoteAddress)));
      return send(res, 200, result, negotiateFormat(undefined, req.headers.accept), false);
    }
    return runResourceRequest(req, res, exchange, pathname, search);
  }

  // An outage fails every request: the operator hears of it once every few seconds, not once each.
  let outageReportedAt = 0;
  function reportOutage(error: unknown): void {
    if (Date.now() - outageReportedAt < 5_000) return;
    outageReportedAt = Date.now();
    const { code, message } = error as { code?: string; message?: string };
    logger.log('warn', 'the database is unavailable; requests are answered 503', { code, error: message });
  }

  // One renderer for every error: an OperationOutcome with the right status (RFC 6749 §5.2 JSON for
  // the OAuth endpoints); never a stack trace.
  function renderError(error: unknown, req: IncomingMessage, res: ServerResponse, exchange: Exchange): void {
    if (res.headersSent) return void res.destroy();
    const base = { 'x-request-id': exchange.requestId };
    if (isDatabaseUnavailable(error)) {
      reportOutage(error);
      // RFC 6749 §4.1.2.1 names the code for a server that cannot answer for now.
      if (exchange.oauth) error = new OAuthError(503, 'temporarily_unavailable', 'The database is unavailable; try again shortly', { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) });
    }
    if (error instanceof OAuthError) {
      return write(res, error.status, { ...base, ...NO_STORE, ...error.headers }, 'application/json; charset=utf-8', JSON.stringify({ error: error.error, error_description: error.description }));
    }
    const known = toHttpError(error);
    // A value the database refused is the request's fault, but could also be a stored value's: the
    // operator sees the SQLSTATE and where PostgreSQL raised it, never the value (it may be PHI).
    if (isDataException(error)) {
      logger.log('warn', 'the database refused a value', { requestId: exchange.requestId, method: req.method, path: (req.url ?? '').split('?')[0], sqlstate: error.code, routine: error.routine });
    }
    if (known) return send(res, known.status, toOperationOutcome(known.issues), exchange.wire, exchange.fhir, { ...base, ...known.headers });
    logger.log('error', 'unexpected error', {
      requestId: exchange.requestId,
      method: req.method,
      path: (req.url ?? '').split('?')[0],
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    const outcome = toOperationOutcome([{ severity: 'error', code: 'exception', diagnostics: `Unexpected server error; request id ${exchange.requestId}` }], exchange.requestId);
    send(res, 500, outcome, exchange.wire, exchange.fhir, base);
  }

  return (req, res) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', requestId);
    const exchange: Exchange = { requestId, wire: 'json', fhir: false };
    route(req, res, exchange).catch((error) => {
      try {
        renderError(error, req, res, exchange);
      } catch (failure) {
        // e.g. a header value Node refuses: answer a bare 500 rather than let the process die.
        logger.log('error', 'error response could not be written', { requestId, error: failure instanceof Error ? failure.message : String(failure) });
        if (res.headersSent) return void res.destroy();
        res.removeHeader('www-authenticate');
        const outcome = toOperationOutcome([{ severity: 'error', code: 'exception', diagnostics: `Unexpected server error; request id ${requestId}` }], requestId);
        write(res, 500, {}, 'application/json; charset=utf-8', JSON.stringify(outcome));
      }
    });
  };
}
