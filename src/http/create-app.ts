import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { authenticateRequest } from '../auth/authenticate-request';
import { badRequest } from '../errors/http-error';
import { toOperationOutcome } from '../errors/to-operation-outcome';
import { fhirFormat, storedFormat } from '../interactions/resource-formats';
import type { ResourceRequest, Services } from '../interactions/interaction-context';
import { NO_STORE } from '../oauth/auth-request';
import { OAuthError } from '../oauth/oauth-error';
import { createAuthRouter } from './create-auth-router';
import { testPolicy } from '../access/test-policy';
import { createIdentityProviderRoutes } from '../identity/identity-provider-routes';
import { openBrowserSession } from '../oauth/open-browser-session';
import { handleResourceRequest, type ParsedPath } from './handle-resource-request';
import { negotiateFormat, serialize, type WireFormat } from './negotiate-format';
import { mediaTypeOf, parseBody } from './parse-body';
import { toHttpError } from './render-error';
import { isSearchPost, mergeFormParameters } from '../search/merge-form-parameters';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

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

function parseQuery(originalUrl: string): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  const index = originalUrl.indexOf('?');
  if (index < 0) return query;
  for (const [name, value] of new URLSearchParams(originalUrl.slice(index + 1))) (query[name] ??= []).push(value);
  return query;
}

function send(res: Response, status: number, body: unknown, format: WireFormat, fhir: boolean, headers: Record<string, string> = {}) {
  res.status(status).set(headers);
  if (body === undefined) return void res.end();
  const { contentType, text } = serialize(body, format, fhir);
  res.type(contentType).send(text);
}

export function createApp(services: Services): express.Express {
  const { config, logger } = services;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  const base = config.baseUrl;
  const formats = { fhir: fhirFormat(`${base}/fhir`, services.hooks, services.registry), stored: storedFormat(base, services.hooks) };

  app.use((req: Request, res: Response, next: NextFunction) => {
    const given = req.get('x-request-id');
    res.locals.requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    res.set('x-request-id', res.locals.requestId);
    next();
  });

  app.get('/health', (_req, res) => void res.json({ status: 'pass' }));

  app.use(express.raw({ type: () => true, limit: config.bodyLimitBytes }));
  app.post('/auth/test-policy', async (req: Request, res: Response) => {
    const headers = Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]));
    const body = parseBody(Buffer.isBuffer(req.body) ? req.body : undefined, req.get('content-type'));
    const result = await testPolicy(services, await authenticateRequest(services, headers), body);
    send(res, 200, result, negotiateFormat(undefined, req.get('accept')), false);
  });
  app.use(createIdentityProviderRoutes({
    db: services.db,
    baseUrl: config.baseUrl,
    logger,
    openSession: async (user, provider) => (await openBrowserSession(services, user.id, `identity-provider:${provider.id}`)).cookie,
  }));
  app.use(createAuthRouter(services));

  app.use(async (req: Request, res: Response) => {
    const fhir = req.path === '/fhir' || req.path.startsWith('/fhir/');
    res.locals.fhir = fhir;
    const query = parseQuery(req.originalUrl);
    const wire = negotiateFormat(query._format?.[0], req.get('accept'));
    res.locals.wire = wire;
    const path = parsePath(req.path);
    // POST /<Type>/_search: form-encoded parameters join the query string's (FHIR search.html#search).
    if (isSearchPost(req.method, path.segments)) mergeFormParameters(query, req.body, req.get('content-type'));
    const contentType = mediaTypeOf(req.get('content-type'));
    const request: ResourceRequest = {
      method: req.method,
      query,
      headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value])),
      body: parseBody(Buffer.isBuffer(req.body) ? req.body : undefined, req.get('content-type'), isSearchPost(req.method, path.segments)),
      contentType,
    };
    const auth = await authenticateRequest(services, request.headers);
    const edge = { remoteAddr: req.socket.remoteAddress, scheme: new URL(config.baseUrl).protocol.replace(':', '') };
    const response = await handleResourceRequest({ services, format: fhir ? formats.fhir : formats.stored, q: services.db, auth, edge }, path, { ...request, uri: req.path });
    send(res, response.status, response.body, wire, fhir, response.headers);
  });

  // One renderer for every error: an OperationOutcome with the right status (RFC 6749 §5.2 JSON for
  // the OAuth endpoints); never a stack trace.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const requestId = res.locals.requestId as string;
    const wire = (res.locals.wire as WireFormat | undefined) ?? 'json';
    if (error instanceof OAuthError) return void res.status(error.status).set({ ...NO_STORE, ...error.headers }).json({ error: error.error, error_description: error.description });
    const known = toHttpError(error);
    if (known) return send(res, known.status, toOperationOutcome(known.issues), wire, Boolean(res.locals.fhir), known.headers);
    logger.log('error', 'unexpected error', { requestId, method: req.method, path: req.path, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error), stack: error instanceof Error ? error.stack : undefined });
    send(res, 500, toOperationOutcome([{ severity: 'error', code: 'exception', diagnostics: `Unexpected server error; request id ${requestId}` }], requestId), wire, Boolean(res.locals.fhir));
  });
  return app;
}
