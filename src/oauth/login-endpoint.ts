import { mediaTypeOf } from '../http/parse-body';
import { loadSignInProviders } from '../identity/load-sign-in-providers';
import type { RequestContext, ResourceRequest, ResourceResponse } from '../interactions/interaction-context';
import { checkCsrf, csrfToken } from '../pages/csrf';
import { renderLoginPage } from '../pages/login-page';
import { loadTheme } from '../pages/load-theme';
import { pageHeaders } from '../pages/page-headers';
import { toReturnPath } from '../pages/to-return-path';
import type { AuthRequest, AuthResponse } from './auth-request';
import { NO_STORE } from './auth-request';
import { endSession } from './end-session';
import { findBrowserSession } from './find-browser-session';
import { HttpError } from '../errors/http-error';
import { OAuthError } from './oauth-error';
import { openBrowserSession } from './open-browser-session';
import { verifyUserPassword } from './verify-user-password';

/**
 * POST /auth/login with JSON (scripts, the reference product's API): checks the password, starts
 * a Session and sets the `asid` cookie; answers JSON.
 */
export async function loginEndpoint(req: AuthRequest): Promise<AuthResponse> {
  const { services, params } = req;
  const user = await verifyUserPassword(services, services.db, { username: params.username ?? params.email, password: params.password, address: req.address });
  const { id, cookie } = await openBrowserSession(services, user.id, 'login');
  return { status: 200, body: { user: { id: user.id, resourceType: 'User' }, session: { id, resourceType: 'Session' } }, headers: { ...NO_STORE, 'set-cookie': cookie } };
}

export const isFormPost = (req: ResourceRequest) => mediaTypeOf(req.headers['content-type']) === 'application/x-www-form-urlencoded';

/** `return_to` when it is a path on this server; the account page otherwise. */
function destination(returnTo: string | undefined, baseUrl: string): string {
  const path = returnTo ? toReturnPath(returnTo, baseUrl) : '/';
  return path === '/' ? '/auth/account' : path;
}

/** The application a return_to leads back to, named on the page so the person knows who asks. */
async function askingClient(ctx: RequestContext, returnTo: string | undefined): Promise<string | undefined> {
  if (!returnTo?.startsWith('/auth/authorize?')) return undefined;
  const id = new URLSearchParams(returnTo.slice(returnTo.indexOf('?') + 1)).get('client_id');
  const client = id ? await ctx.services.auth.cache.client(ctx.services.db, id) : undefined;
  if (!client) return undefined;
  return String((client.resource.smart as { name?: string } | undefined)?.name ?? client.resource.name ?? client.id);
}

/** The redirect URI a login continues to, so the form may lead there (CSP form-action checks redirects). */
function continuesTo(returnTo: string | undefined): string[] {
  if (!returnTo?.startsWith('/auth/authorize?')) return [];
  const uri = new URLSearchParams(returnTo.slice(returnTo.indexOf('?') + 1)).get('redirect_uri');
  return uri ? [uri] : [];
}

async function loginPage(ctx: RequestContext, req: ResourceRequest, form: { returnTo?: string; username?: string; error?: string; status?: number }): Promise<ResourceResponse> {
  const { db, config } = ctx.services;
  const theme = await loadTheme(db);
  const csrf = csrfToken(req.headers.cookie, config.baseUrl.startsWith('https:'));
  const html = renderLoginPage({
    theme,
    csrf: csrf.token,
    returnTo: form.returnTo,
    username: form.username,
    error: form.error,
    providers: await loadSignInProviders(db),
    clientName: await askingClient(ctx, form.returnTo),
  });
  return { status: form.status ?? 200, html, headers: pageHeaders(theme, { formTargets: continuesTo(form.returnTo) }), cookies: csrf.cookie ? [csrf.cookie] : undefined };
}

/** GET /auth/login: the sign-in page (`return_to`: where to go afterwards; `login_hint`: the name to fill in). */
export async function loginPageEndpoint(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const first = (name: string) => req.query[name]?.[0];
  const returnTo = first('return_to');
  return loginPage(ctx, req, { returnTo: returnTo ? destination(returnTo, ctx.services.config.baseUrl) : undefined, username: first('login_hint') });
}

/**
 * POST /auth/login from the page (form-encoded): the CSRF token, then the password; a new `asid`
 * cookie and Session each time (no session fixation), the browser's earlier sign-in ended; then 303
 * to where the person was going. A failure shows the form again with the reason.
 */
export async function loginFormEndpoint(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const { services } = ctx;
  const params = req.params ?? {};
  const returnTo = params.return_to ? destination(params.return_to, services.config.baseUrl) : undefined;
  try {
    checkCsrf(req.headers.cookie, params.csrf);
    const user = await verifyUserPassword(services, services.db, { username: params.username, password: params.password ?? '', address: ctx.edge.remoteAddr });
    const previous = await findBrowserSession(services, req.headers.cookie);
    const { cookie } = await openBrowserSession(services, user.id, 'login');
    if (previous) await endSession(services, previous.id);
    ctx.logger.log('info', 'signed in with a password', { user: user.id });
    return { status: 303, headers: { location: returnTo ?? '/auth/account', 'cache-control': 'no-store' }, cookies: [cookie] };
  } catch (error) {
    if (error instanceof OAuthError) {
      const status = error.status === 429 ? 429 : 401;
      const message = error.status === 429 ? 'Too many failed attempts. Wait a moment and try again.' : error.error === 'invalid_request' ? 'Enter your user name and password.' : error.description;
      const page = await loginPage(ctx, req, { returnTo, username: params.username, error: message, status });
      return { ...page, headers: { ...page.headers, ...error.headers } };
    }
    if (error instanceof HttpError && error.status === 403) return loginPage(ctx, req, { returnTo, username: params.username, error: error.message, status: 403 });
    throw error;
  }
}
