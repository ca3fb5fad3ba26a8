import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { badRequest } from '../errors/http-error';
import { toOperationOutcome } from '../errors/to-operation-outcome';
import type { ResourceResponse, Services } from '../interactions/interaction-context';
import { metricsOf } from '../metrics/metrics-of';
import { createRequestRecorder } from '../metrics/request-recorder';
import { createErrorRenderer } from '../pipeline/render-error';
import type { RouteKind } from '../pipeline/route';
import { createPipeline, type Exchange } from '../pipeline/run-pipeline';
import { serialize, type WireFormat } from './negotiate-format';
import { readBody } from './read-body';

export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/** An incoming X-Request-Id is kept when it is a sane token; otherwise one is made. */
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Whether the request announces a body (RFC 9112 §6.3). */
function hasBody(req: IncomingMessage): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function headersOf(req: IncomingMessage): Record<string, string | undefined> {
  const headers: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  return headers;
}

function parseQuery(search: string): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  if (!search) return query;
  for (const [name, value] of new URLSearchParams(search)) (query[name] ??= []).push(value);
  return query;
}

/** The path's segments, decoded; the raw ones too, to tell what kind of route a malformed path was meant for. */
function splitPath(path: string): { raw: string[]; decoded?: string[] } {
  const raw = path.split('/').filter(Boolean);
  try {
    return { raw, decoded: raw.map((segment) => decodeURIComponent(segment)) };
  } catch {
    return { raw };
  }
}

function write(res: ServerResponse, status: number, headers: Record<string, string>, body?: { contentType: string; text: string }, cookies?: string[]): void {
  res.statusCode = status;
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (cookies?.length) res.setHeader('set-cookie', cookies);
  if (!body) return void res.end();
  res.setHeader('content-type', body.contentType);
  res.setHeader('content-length', Buffer.byteLength(body.text));
  res.end(body.text);
}

/**
 * The HTTP edge: node:http in, the pipeline (src/pipeline/run-pipeline.ts), node:http out.
 *   request id → parse the URL → the pipeline's stages → write the response in the negotiated
 *   format (JSON or YAML for resources, JSON for OAuth, HTML for pages) → any throw → the one
 *   error renderer (src/pipeline/render-error.ts) → one log line and the request metrics
 *   (src/metrics/request-recorder.ts).
 */
export function createApp(services: Services): RequestListener {
  const pipeline = createPipeline(services);
  const errors = createErrorRenderer(services.logger);
  const scheme = new URL(services.config.baseUrl).protocol.replace(':', '');
  const record = createRequestRecorder(services.logger, metricsOf(services));

  function respond(res: ServerResponse, kind: RouteKind, response: ResourceResponse, wire: WireFormat, fhir: boolean): void {
    const headers = response.headers ?? {};
    if (response.html !== undefined) return write(res, response.status, headers, { contentType: 'text/html; charset=utf-8', text: response.html }, response.cookies);
    if (response.text !== undefined) return write(res, response.status, headers, { contentType: response.text.contentType, text: response.text.value }, response.cookies);
    if (response.body === undefined) return write(res, response.status, headers, undefined, response.cookies);
    if (kind !== 'resource' && kind !== 'rpc') return write(res, response.status, headers, { contentType: 'application/json; charset=utf-8', text: JSON.stringify(response.body) }, response.cookies);
    const { contentType, text } = serialize(response.body, wire, fhir);
    write(res, response.status, headers, { contentType, text }, response.cookies);
  }

  return (req, res) => {
    const started = performance.now();
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', requestId);
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const pathname = mark < 0 ? url : url.slice(0, mark);
    const query = parseQuery(mark < 0 ? '' : url.slice(mark + 1));
    const { raw, decoded } = splitPath(pathname);
    const method = req.method!;
    const fhir = raw[0] === 'fhir';
    let exchange: Exchange | undefined;

    const run = async () => {
      if (!decoded) throw badRequest('The address is not valid percent-encoding');
      exchange = {
        method,
        segments: decoded,
        query,
        headers: headersOf(req),
        // Canonical: `/fhir//Patient`, `/fhir/%50atient` and `/fhir/Patient/` are all /fhir/Patient to a policy.
        uri: `/${decoded.map(encodeURIComponent).join('/')}`,
        hasBody: hasBody(req),
        readBody: (limit) => readBody(req, limit),
        ctx: pipeline.contextFor(requestId, { remoteAddr: req.socket.remoteAddress, scheme }),
      };
      const response = await pipeline.run(exchange);
      for (const [name, value] of Object.entries(exchange.corsHeaders ?? {})) res.setHeader(name, value);
      // A preflight is answered before any route is resolved.
      if (!exchange.matched) return write(res, response.status, response.headers ?? {});
      // FHIR JSON is labelled application/fhir+json, unless the client prefers application/json.
      respond(res, exchange.matched!.route.kind, response, exchange.wire ?? 'json', exchange.matched!.route.format === 'fhir' && !exchange.plainJson);
    };

    const finish = () => record({ requestId, method, route: exchange?.matched?.route, status: res.statusCode, started, auth: exchange?.ctx.auth });

    run().catch((error) => {
      if (res.headersSent) return void res.destroy();
      try {
        for (const [name, value] of Object.entries(exchange?.corsHeaders ?? {})) res.setHeader(name, value);
        const kind = exchange?.matched?.route.kind ?? pipeline.kindAt(decoded ?? raw);
        const rendered = errors.render(error, { kind, requestId, method, path: pathname });
        if (rendered.text) return write(res, rendered.status, rendered.headers, { contentType: rendered.text.contentType, text: rendered.text.value });
        write(res, rendered.status, rendered.headers, serialize(rendered.body, exchange?.wire ?? 'json', fhir && !exchange?.plainJson));
      } catch (failure) {
        // e.g. a header value Node refuses: answer a bare 500 rather than let the process die.
        services.logger.log('error', 'error response could not be written', { requestId, error: failure instanceof Error ? failure.message : String(failure) });
        if (res.headersSent) return void res.destroy();
        for (const name of res.getHeaderNames()) if (name !== 'x-request-id') res.removeHeader(name);
        const outcome = toOperationOutcome([{ severity: 'error', code: 'exception', diagnostics: `Unexpected server error; request id ${requestId}` }], requestId);
        write(res, 500, {}, { contentType: 'application/json; charset=utf-8', text: JSON.stringify(outcome) });
      }
    }).then(finish);
  };
}
