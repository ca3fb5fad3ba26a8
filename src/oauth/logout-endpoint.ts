import { HttpError } from '../errors/http-error';
import type { RequestContext, ResourceRequest, ResourceResponse } from '../interactions/interaction-context';
import { checkCsrf, csrfToken } from '../pages/csrf';
import { loadTheme } from '../pages/load-theme';
import { pageHeaders } from '../pages/page-headers';
import { renderConfirmSignOutPage, renderSignedOutPage } from '../pages/signed-out-page';
import { asidCookie } from './asid-cookie';
import { authenticateBearer } from './authenticate-bearer';
import { registeredPostLogoutUris } from './client-redirect-uris';
import { endSession } from './end-session';
import { findBrowserSession } from './find-browser-session';
import { OAuthError } from './oauth-error';

const clearedCookie = (ctx: RequestContext) => asidCookie('', 0, ctx.services.config.baseUrl.startsWith('https:'));

/** What an RP-initiated logout asks (OpenID Connect RP-Initiated Logout 1.0 §2). */
interface LogoutRequest {
  /** The id_token_hint's claims, when it is a token we signed (expired or not). */
  hint?: Record<string, unknown>;
  clientId?: string;
  postLogoutRedirectUri?: string;
  state?: string;
}

const refuse = (message: string) => new HttpError(400, 'invalid', message);

/**
 * The hint must be an id_token of ours; the client is its audience (and client_id, when both are
 * sent, must agree); a post_logout_redirect_uri must be registered for that client — else an error
 * page, never a redirect to an unchecked address.
 */
async function checkLogoutRequest(ctx: RequestContext, params: Record<string, string>): Promise<LogoutRequest> {
  let hint: Record<string, unknown> | undefined;
  if (params.id_token_hint) {
    hint = await ctx.services.auth.keys.verify(params.id_token_hint);
    if (!hint || hint.iss !== ctx.services.config.baseUrl) throw refuse('The sign-out request carries an id_token_hint this server did not issue.');
  }
  const audience = Array.isArray(hint?.aud) ? String(hint!.aud[0]) : hint?.aud === undefined ? undefined : String(hint.aud);
  if (params.client_id && audience && params.client_id !== audience) throw refuse('client_id and the id_token_hint name different applications.');
  const clientId = params.client_id ?? audience;
  const uri = params.post_logout_redirect_uri;
  if (uri !== undefined) {
    const client = clientId ? await ctx.services.auth.cache.client(ctx.services.db, clientId) : undefined;
    if (!client) throw refuse('post_logout_redirect_uri needs id_token_hint or client_id to say which application asks.');
    if (!registeredPostLogoutUris(client.resource).includes(uri)) throw refuse('The address to return to after signing out is not registered for the application.');
  }
  return { hint, clientId, postLogoutRedirectUri: uri, state: params.state };
}

/** Ends the browser's sign-in and, when the hint names one of its own sessions, the application's session too. */
async function signOut(ctx: RequestContext, req: ResourceRequest, logout: LogoutRequest): Promise<ResourceResponse> {
  const { services } = ctx;
  const person = await findBrowserSession(services, req.headers.cookie);
  if (person) await endSession(services, person.id);
  const sid = logout.hint?.sid;
  if (typeof sid === 'string' && logout.hint?.sub !== undefined) {
    const session = await services.auth.cache.session(services.db, 'id', sid);
    if (session?.user?.id === logout.hint.sub) await endSession(services, sid);
  }
  if (logout.postLogoutRedirectUri) {
    const url = new URL(logout.postLogoutRedirectUri);
    if (logout.state !== undefined) url.searchParams.set('state', logout.state);
    return { status: req.method === 'POST' ? 303 : 302, headers: { location: url.toString(), 'cache-control': 'no-store' }, cookies: [clearedCookie(ctx)] };
  }
  const theme = await loadTheme(services.db);
  return { status: 200, html: renderSignedOutPage(theme), headers: pageHeaders(theme), cookies: [clearedCookie(ctx)] };
}

/**
 * GET /auth/logout, the end_session_endpoint (OpenID Connect RP-Initiated Logout 1.0). With a
 * valid id_token_hint the sign-out happens at once; without one, the person confirms it first, so
 * another site cannot sign them out with a link.
 */
export async function endSessionEndpoint(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const params = req.params ?? {};
  const logout = await checkLogoutRequest(ctx, params);
  if (logout.hint) return signOut(ctx, req, logout);
  const { services } = ctx;
  const theme = await loadTheme(services.db);
  const csrf = csrfToken(req.headers.cookie, services.config.baseUrl.startsWith('https:'));
  const person = await findBrowserSession(services, req.headers.cookie);
  const hidden: Record<string, string> = {};
  for (const name of ['client_id', 'post_logout_redirect_uri', 'state']) if (params[name] !== undefined) hidden[name] = params[name];
  const user = person?.user.resource;
  const html = renderConfirmSignOutPage(theme, csrf.token, hidden, person ? String(user?.userName ?? user?.email ?? person.user.id) : undefined);
  return { status: 200, html, headers: pageHeaders(theme, { formTargets: logout.postLogoutRedirectUri ? [logout.postLogoutRedirectUri] : [] }), cookies: csrf.cookie ? [csrf.cookie] : undefined };
}

/**
 * POST /auth/logout, three callers:
 *  - the confirmation or account page (a form with our CSRF token): sign out, as above;
 *  - a relying party posting the logout request (id_token_hint): as GET;
 *  - a script (bearer token or cookie, the reference product's API): ends that session, 204.
 * Each clears the `asid` cookie.
 */
export async function logoutEndpoint(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const params = req.params ?? {};
  if (params.csrf !== undefined) {
    checkCsrf(req.headers.cookie, params.csrf);
    return signOut(ctx, req, await checkLogoutRequest(ctx, { ...params, id_token_hint: '' }));
  }
  if (params.id_token_hint !== undefined || params.post_logout_redirect_uri !== undefined) return endSessionEndpoint(ctx, req);
  let sessionId: string | undefined;
  try {
    sessionId = (await authenticateBearer({ services: ctx.services, method: req.method, params, headers: req.headers, address: ctx.edge.remoteAddr })).session?.id;
  } catch (error) {
    // Logging out twice, or with a dead session, still succeeds: the outcome the caller wants holds.
    if (!(error instanceof OAuthError)) throw error;
  }
  if (sessionId) await endSession(ctx.services, sessionId);
  return { status: 204, headers: { 'cache-control': 'no-store' }, cookies: [clearedCookie(ctx)] };
}
