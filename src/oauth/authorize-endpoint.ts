import type { RequestContext, ResourceRequest, ResourceResponse } from '../interactions/interaction-context';
import { renderConsentPage, type ScopeChoice } from '../pages/consent-page';
import { checkCsrf, csrfToken } from '../pages/csrf';
import { loadTheme } from '../pages/load-theme';
import { pageHeaders } from '../pages/page-headers';
import { checkAuthorizationRequest, checkRedirectTarget, REQUEST_PARAMS, type AuthorizationRequest } from './authorization-request';
import { authorizationError, authorizationResponse } from './authorization-response';
import { isCovered, loadGrantedScopes, recordGrant } from './consent';
import { findBrowserSession, type BrowserSession } from './find-browser-session';
import { grantSettingsOf } from './grant-settings';
import { issueAuthorizationCode } from './issue-authorization-code';
import { OAuthError } from './oauth-error';
import { startSession } from './start-session';
import { clientName } from './client-name';
import { resolveLaunch, type ResolvedLaunch } from '../smart/resolve-launch';
import { describeSmartScope } from '../smart/describe-scope';
import { spendEhrLaunch } from '../smart/launch-context';

/** How the consent page words the standard scopes when no Scope resource describes them. */
const STANDARD_TITLES: Record<string, string> = {
  openid: 'Know who you are (your user id)',
  profile: 'See your name and profile',
  email: 'See your e-mail address',
  phone: 'See your phone number',
  address: 'See your postal address',
  offline_access: 'Keep access while you are away (offline access)',
};


/**
 * GET and POST /auth/authorize (RFC 6749 §3.1, OpenID Connect Core §3.1.2), one stage per line:
 *   client and redirect URI (else an error page) → the rest of the request (else an error sent
 *   back) → who is signed in (else the login page) → consent (else the consent page) → the code or
 *   the token, sent back.
 */
export async function authorizeEndpoint(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const { services } = ctx;
  const params = req.params ?? {};
  const issuer = services.config.baseUrl;
  const { target, grant } = await checkRedirectTarget(services, params);
  // An authorization request posted by the application's page (SMART authorize-post) is a
  // cross-site POST, which carries no SameSite=Lax cookie: the same request as a GET does.
  if (req.method === 'POST' && params.decision === undefined) {
    return { status: 303, headers: { location: authorizePath(params, true), 'cache-control': 'no-store' } };
  }
  try {
    const request = await checkAuthorizationRequest(services, params, target, grant);
    const decision = req.method === 'POST' ? params.decision : undefined;
    if (decision !== undefined) checkCsrf(req.headers.cookie, params.csrf);
    const person = await findPerson(ctx, req, request, decision !== undefined);
    if (!person) {
      if (request.prompt.has('none')) throw new OAuthError(400, 'login_required', 'The person is not signed in');
      return toLogin(request, params);
    }
    const scope = await decideConsent(ctx, req, request, person, decision, params);
    if (!Array.isArray(scope)) return scope;
    const launch = await resolveLaunch(ctx, req, request, person, scope, params);
    if (!('context' in launch)) return launch;
    return await issue(ctx, request, person, scope, req.method, launch);
  } catch (error) {
    if (error instanceof OAuthError) return authorizationError(target, issuer, error, req.method);
    throw error;
  }
}

/**
 * The signed-in person, unless the request wants a fresh sign-in: prompt=login (once — the login
 * page returns here without it), a sign-in older than max_age, or an id_token_hint naming someone else.
 */
async function findPerson(ctx: RequestContext, req: ResourceRequest, request: AuthorizationRequest, deciding: boolean): Promise<BrowserSession | undefined> {
  const person = await findBrowserSession(ctx.services, req.headers.cookie);
  if (!person) return undefined;
  if (deciding) return person;
  if (request.prompt.has('login')) return undefined;
  if (request.maxAge !== undefined && Math.floor(Date.now() / 1000) - person.authTime > request.maxAge) return undefined;
  if (request.idTokenHint) {
    const hint = await ctx.services.auth.keys.verify(request.idTokenHint);
    if (!hint || hint.sub !== person.user.id) return undefined;
  }
  return person;
}

/**
 * The authorization request as a URL on this server. After signing in, prompt=login is dropped:
 * the sign-in that follows satisfies it; the other values still hold.
 */
function authorizePath(params: Record<string, string>, keepLogin: boolean): string {
  const query = new URLSearchParams();
  for (const name of REQUEST_PARAMS) if (params[name] !== undefined) query.set(name, params[name]);
  const prompt = (params.prompt ?? '').split(' ').filter((value) => value && (keepLogin || value !== 'login'));
  if (prompt.length) query.set('prompt', prompt.join(' '));
  return `/auth/authorize?${query}`;
}

function toLogin(request: AuthorizationRequest, params: Record<string, string>): ResourceResponse {
  const returnTo = authorizePath(params, false);
  const idp = grantSettingsOf(request.client.resource, 'authorization_code') as { default_identity_provider?: { id?: string } };
  const providerId = idp.default_identity_provider?.id;
  const location = providerId
    ? `/auth/redirect/${encodeURIComponent(providerId)}?return_to=${encodeURIComponent(returnTo)}`
    : `/auth/login?${new URLSearchParams({ return_to: returnTo, ...(request.loginHint ? { login_hint: request.loginHint } : {}) })}`;
  return { status: 302, headers: { location, 'cache-control': 'no-store' } };
}

/**
 * The scopes to issue, or the consent page. A first-party client needs no consent; another needs a
 * Grant covering every scope (prompt=consent asks again regardless). The person's Allow records
 * the scopes they left ticked; Deny is access_denied.
 */
async function decideConsent(
  ctx: RequestContext, req: ResourceRequest, request: AuthorizationRequest, person: BrowserSession, decision: string | undefined, params: Record<string, string>,
): Promise<string[] | ResourceResponse> {
  const { client } = request;
  if (decision === 'deny') throw new OAuthError(400, 'access_denied', 'The person denied the request');
  if (decision === 'patient' || decision === 'encounter') {
    // The patient and encounter pickers, after consent: the scopes stay those the person allowed.
    if (client.resource.first_party === true) return request.scope;
    const granted = await loadGrantedScopes(ctx.services.db, client.id, person.user.id);
    if (granted) return request.scope.filter((scope) => granted.has(scope));
  }
  if (decision === 'allow') {
    const chosen = new Set(Object.entries(params).filter(([name]) => /^scope_choice\.\d{1,4}$/.test(name)).map(([, value]) => value));
    // openid is the sign-in itself, not a permission: it is never offered for unticking.
    const provided = request.scope.filter((scope) => scope === 'openid' || chosen.has(scope));
    await recordGrant(ctx.services.db, { clientId: client.id, userId: person.user.id, requested: request.requestedScope, provided });
    return provided;
  }
  if (client.resource.first_party === true) return request.scope;
  const granted = await loadGrantedScopes(ctx.services.db, client.id, person.user.id);
  if (granted && isCovered(request.scope, granted) && !request.prompt.has('consent')) return request.scope;
  if (request.prompt.has('none')) throw new OAuthError(400, 'consent_required', 'The person has not consented to this request');
  return await consentPage(ctx, req, request, person, params);
}

async function consentPage(ctx: RequestContext, req: ResourceRequest, request: AuthorizationRequest, person: BrowserSession, params: Record<string, string>): Promise<ResourceResponse> {
  const { db, config } = ctx.services;
  const theme = await loadTheme(db);
  const csrf = csrfToken(req.headers.cookie, config.baseUrl.startsWith('https:'));
  const { rows } = await db.query<{ scope: string; title: string; description: string | null }>(
    "select resource->>'scope' as scope, resource->>'title' as title, resource->>'description' as description from scope where resource->>'scope' = any($1)",
    [request.scope],
  );
  const described = new Map(rows.map((row) => [row.scope, row]));
  const toChoice = (scope: string): ScopeChoice => {
    const found = described.get(scope);
    return { scope, title: found?.title ?? STANDARD_TITLES[scope] ?? describeSmartScope(scope) ?? scope, description: found?.description ?? undefined };
  };
  const hidden: Record<string, string> = {};
  for (const name of REQUEST_PARAMS) if (params[name] !== undefined) hidden[name] = params[name];
  const user = person.user.resource;
  const html = renderConsentPage({
    theme,
    csrf: csrf.token,
    clientName: clientName(request.client),
    userName: String(user.userName ?? user.email ?? person.user.id),
    hidden,
    fixed: request.scope.filter((scope) => scope === 'openid').map(toChoice),
    choices: request.scope.filter((scope) => scope !== 'openid').map(toChoice),
  });
  return { status: 200, html, headers: pageHeaders(theme, { formTargets: [request.redirectUri] }), cookies: csrf.cookie ? [csrf.cookie] : undefined };
}

/** The code (RFC 6749 §4.1.2), or for the implicit grant the access token itself (§4.2.2, never a refresh token). */
async function issue(ctx: RequestContext, request: AuthorizationRequest, person: BrowserSession, scope: string[], method: string, launch: ResolvedLaunch): Promise<ResourceResponse> {
  const { services } = ctx;
  const issuer = services.config.baseUrl;
  if (launch.ehrLaunchHash) await spendEhrLaunch(services.db, launch.ehrLaunchHash);
  if (request.grant === 'authorization_code') {
    const code = await issueAuthorizationCode(services.db, request, person, scope, launch.context);
    return authorizationResponse(request, issuer, { code }, method);
  }
  const { response } = await startSession(services, {
    type: 'implicit',
    client: request.client,
    user: person.user,
    scope,
    audience: request.audience,
    settings: grantSettingsOf(request.client.resource, 'implicit'),
    noRefresh: true,
    nonce: request.nonce,
    authTime: person.authTime,
    parent: person.id,
  });
  return authorizationResponse(request, issuer, {
    access_token: response.access_token,
    token_type: 'Bearer',
    expires_in: response.expires_in === undefined ? undefined : String(response.expires_in),
    scope: response.scope,
  }, method);
}
