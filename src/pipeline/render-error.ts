import { isDatabaseUnavailable } from '../db/is-database-unavailable';
import { HttpError } from '../errors/http-error';
import { toOperationOutcome } from '../errors/to-operation-outcome';
import { reportError } from '../errors/report-error';
import { DATABASE_RETRY_AFTER_SECONDS, toHttpError } from '../http/to-http-error';
import type { Logger } from '../log/logger';
import { NO_STORE } from '../oauth/auth-request';
import { OAuthError } from '../oauth/oauth-error';
import { escapeHtml } from '../pages/escape-html';
import { toRpcError } from '../rpc/to-rpc-error';
import type { RouteKind } from './route';

/** What an error becomes on the wire: a body of its own kind, never a stack trace. */
export interface RenderedError {
  status: number;
  headers: Record<string, string>;
  /** The error as data, for the edge to serialize in the request's wire format (OperationOutcome). */
  body?: unknown;
  /** Already a document: RFC 6749 JSON or an HTML page. */
  text?: { contentType: string; value: string };
}

export interface ErrorRenderer {
  render(error: unknown, at: { kind: RouteKind | undefined; requestId: string; method: string; path: string }): RenderedError;
}

/**
 * The one error renderer of every route, every stage and every bundle: an HttpError is rendered
 * with its status — an OperationOutcome on the resource API, RFC 6749 §5.2 JSON on the OAuth
 * endpoints (OAuthError carries its code verbatim), an HTML page on pages for people; anything
 * unknown is an opaque 500 naming the request id, logged once with its stack.
 */
export function createErrorRenderer(logger: Logger): ErrorRenderer {
  // An outage fails every request: the operator hears of it once every few seconds, not once each.
  let outageReportedAt = 0;
  function reportOutage(error: unknown): void {
    if (Date.now() - outageReportedAt < 5_000) return;
    outageReportedAt = Date.now();
    const { code, message } = error as { code?: string; message?: string };
    logger.log('warn', 'the database is unavailable; requests are answered 503', { code, error: message });
  }

  return {
    render(error, { kind, requestId, method, path }) {
      if (isDatabaseUnavailable(error)) {
        reportOutage(error);
        // RFC 6749 §4.1.2.1 names the code for a server that cannot answer for now.
        if (kind === 'oauth') error = new OAuthError(503, 'temporarily_unavailable', 'The database is unavailable; try again shortly', { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) });
      }
      // An OAuth endpoint's wrong method is an invalid request in its own terms.
      if (kind === 'oauth' && error instanceof HttpError && error.status === 405) error = new OAuthError(405, 'invalid_request', error.message, error.headers);
      // A person's page shows an OAuth error as a page (a repeated parameter on /auth/authorize).
      if (kind === 'page' && error instanceof OAuthError) error = new HttpError(error.status, 'invalid', error.description, undefined, error.headers);
      if (error instanceof OAuthError) {
        return {
          status: error.status,
          headers: { ...NO_STORE, ...error.headers },
          text: { contentType: 'application/json; charset=utf-8', value: JSON.stringify({ error: error.error, error_description: error.description }) },
        };
      }
      const known = toHttpError(error);
      reportError(logger, error, { requestId, method, path });
      const status = known?.status ?? 500;
      const headers = known?.headers ?? {};
      if (kind === 'page') {
        // A person's failed sign-in is the operator's business too (a misconfigured or unreachable provider).
        if (known) logger.log('warn', 'page refused', { requestId, path, status, reason: (known as { reason?: string }).reason, message: known.message });
        const message = known ? known.message : `Something went wrong on our side (request ${requestId}).`;
        return { status, headers: { ...headers, ...PAGE_HEADERS }, text: { contentType: 'text/html; charset=utf-8', value: errorPage(status, message) } };
      }
      if (known && kind === 'rpc') return { status, headers, body: toRpcError(known) };
      if (known) return { status, headers, body: toOperationOutcome(known.issues) };
      return { status, headers, body: toOperationOutcome([{ severity: 'error', code: 'exception', diagnostics: `Unexpected server error; request id ${requestId}` }], requestId) };
    },
  };
}

/** An error page is never cached, never framed by another site, and runs no script. */
const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

function errorPage(status: number, message: string): string {
  const title = status >= 500 ? 'Something went wrong' : 'Sign-in failed';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;margin:0;background:#f5f6f8;color:#1d2330}main{max-width:28rem;margin:12vh auto;padding:2rem;background:#fff;border-radius:.5rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}h1{font-size:1.4rem;margin:0 0 1rem}p{line-height:1.5}a{color:#1f5fbf}a:focus{outline:3px solid #1f5fbf;outline-offset:2px}</style></head>
<body><main role="alert"><h1>${title}</h1><p>${escapeHtml(message)}</p><p><a href="/auth/login">Back to sign-in</a></p></main></body></html>`;
}
