import type { AllowedOriginsCache } from '../auth/allowed-origins-cache';
import { HttpError } from '../errors/http-error';

/** Lowercased request headers. */
type Headers = Record<string, string | undefined>;

/**
 * Cross-origin resource sharing (Fetch standard, "CORS protocol"): which web pages may read our
 * responses from a browser. Three kinds of path:
 * - public metadata (discovery, JWKS, the CapabilityStatement): any origin, `*`, never credentials;
 * - browser sign-in (`/auth/authorize`, `/auth/login`, the identity-provider redirects): no CORS at
 *   all — these are pages to navigate to, and no other site may read them or post to them by script;
 * - everything else: an origin listed in an active Client's `allowed_origins` or in
 *   BOX_CORS_ALLOWED_ORIGINS is echoed with credentials allowed; with `*` in that setting, any
 *   other origin gets `*` without credentials (the Fetch standard refuses `*` with credentials).
 * The answer for one URL depends on the Origin, so those responses say `Vary: Origin`, with or
 * without one: a cache must not hand one origin's answer to another.
 */
export interface Cors {
  /**
   * The headers of a preflight (OPTIONS with Origin and Access-Control-Request-Method), answered
   * 204; undefined when the request is not one. Throws 403 for an origin that may not come here.
   */
  preflight(path: string, headers: Headers): Promise<Record<string, string> | undefined>;
  /** The CORS headers of the actual response to a request on this path, errors included. */
  headersFor(path: string, headers: Headers): Promise<Record<string, string>>;
}

const METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const PUBLIC_METHODS = 'GET, HEAD, OPTIONS';
/** What a page may send: credentials, bodies, FHIR's conditional and Prefer headers, its request id. */
const ACCEPTED_HEADERS = new Set(['accept', 'authorization', 'content-type', 'prefer', 'if-match', 'if-none-match', 'if-none-exist', 'if-modified-since', 'x-request-id']);
/** What a page may read besides the safelisted response headers: versions, where things are, the request id. */
const EXPOSED_HEADERS = 'ETag, Location, Last-Modified, X-Request-Id, Content-Location';
/** How long a browser may reuse a preflight answer, seconds; each actual response is still checked. */
const MAX_AGE_SECONDS = '600';

const SIGN_IN_PATHS = ['/auth/authorize', '/auth/login', '/auth/account', '/auth/redirect', '/auth/callback'];
const isSignIn = (path: string) => SIGN_IN_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
const isPublic = (path: string) => path.startsWith('/.well-known/') || path.startsWith('/fhir/.well-known/') || path === '/fhir/metadata' || path === '/metadata';

const NONE: Record<string, string> = Object.freeze({}) as Record<string, string>;
const VARY_ONLY: Record<string, string> = Object.freeze({ vary: 'Origin' }) as Record<string, string>;
const PUBLIC: Record<string, string> = Object.freeze({ 'access-control-allow-origin': '*', 'access-control-expose-headers': EXPOSED_HEADERS }) as Record<string, string>;

/** The requested headers we take, as the browser named them: the rest are left out, and the browser refuses. */
function acceptedHeaders(requested: string | undefined): Record<string, string> {
  const accepted = (requested ?? '').split(',').map((name) => name.trim().toLowerCase()).filter((name) => ACCEPTED_HEADERS.has(name));
  return accepted.length ? { 'access-control-allow-headers': accepted.join(', ') } : {};
}

/** `configured`: BOX_CORS_ALLOWED_ORIGINS, origins as browsers send them, or `*`. */
export function createCors(configured: readonly string[], clientOrigins: AllowedOriginsCache): Cors {
  const listed = new Set(configured.filter((origin) => origin !== '*'));
  const anyOrigin = configured.includes('*');

  /** The Access-Control-Allow-* grant for an origin on an ordinary path; undefined when it has none. */
  async function grantFor(origin: string): Promise<Record<string, string> | undefined> {
    if (listed.has(origin) || (await clientOrigins.has(origin))) {
      return { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' };
    }
    if (anyOrigin) return { 'access-control-allow-origin': '*', vary: 'Origin' };
    return undefined;
  }

  return {
    async preflight(path, headers) {
      const origin = headers.origin;
      if (origin === undefined || headers['access-control-request-method'] === undefined) return undefined;
      const common = { ...acceptedHeaders(headers['access-control-request-headers']), 'access-control-max-age': MAX_AGE_SECONDS };
      if (isPublic(path)) return { 'access-control-allow-origin': '*', 'access-control-allow-methods': PUBLIC_METHODS, ...common };
      // Refused with 403 rather than a bare 204: the browser blocks either way, but the developer
      // (and the log) sees why in the response, not a preflight that seemed to succeed.
      if (isSignIn(path)) throw new HttpError(403, 'forbidden', `${path} takes no cross-origin requests`);
      const grant = await grantFor(origin);
      if (!grant) throw new HttpError(403, 'forbidden', `The origin ${origin} is not allowed`, undefined, { ...VARY_ONLY });
      return { ...grant, 'access-control-allow-methods': METHODS, ...common };
    },
    async headersFor(path, headers) {
      if (isPublic(path)) return PUBLIC;
      if (isSignIn(path)) return NONE;
      const origin = headers.origin;
      if (origin === undefined) return VARY_ONLY;
      const grant = await grantFor(origin);
      return grant ? { ...grant, 'access-control-expose-headers': EXPOSED_HEADERS } : VARY_ONLY;
    },
  };
}
