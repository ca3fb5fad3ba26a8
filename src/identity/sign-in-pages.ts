import type { createRemoteJWKSet } from 'jose';
import { readCookie } from '../auth/read-cookie';
import type { ResourceRequest, ResourceResponse, RequestContext } from '../interactions/interaction-context';
import { openBrowserSession } from '../oauth/open-browser-session';
import { finishSignIn, type CallbackParams } from './finish-sign-in';
import { loadIdentityProvider } from './load-identity-provider';
import { SignInError } from './sign-in-error';
import { startSignIn } from './start-sign-in';
import { toReturnPath } from '../pages/to-return-path';

/**
 * Sign-in through an IdentityProvider (OIDC authorization code flow with PKCE):
 *   GET /auth/redirect/:id  → the provider's authorize_endpoint (`?return_to=/path` to come back to)
 *   GET /auth/callback/:id  → code exchange, id_token validation, User, Session cookie, back to return_to
 * A failure is thrown and rendered as an HTML error page by the one error renderer; nothing is
 * created for it.
 */

const STATE_COOKIE = 'lockbox_sign_in';
/** Each call to the provider. */
const TIMEOUT_MS = 3000;
/** How long a started sign-in may take. */
const SIGN_IN_TTL_SEC = 600;
/** Providers' published keys by URL, shared by every sign-in of this process. */
const remoteSets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

function stateCookie(ctx: RequestContext, value: string, maxAge: number): string {
  const secure = ctx.services.config.baseUrl.startsWith('https:');
  // SameSite=Lax: the callback is a top-level navigation from the provider's site, which Lax allows.
  return `${STATE_COOKIE}=${value}; Path=/auth/callback/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}

/** RFC 6749 §3.1: a parameter "MUST NOT be included more than once"; a repeated one is refused. */
function toCallbackParams(query: Record<string, string[]>): CallbackParams {
  const params: CallbackParams = {};
  for (const name of ['state', 'code', 'error', 'error_description'] as const) {
    const values = query[name];
    if (values === undefined) continue;
    if (values.length > 1) throw new SignInError(400, 'bad-request', `the callback gives ${name} more than once`);
    params[name] = values[0];
  }
  return params;
}

export async function signInRedirectPage(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const { db, config } = ctx.services;
  const provider = await loadIdentityProvider(db, req.pathParams!.id);
  const started = await startSignIn(db, provider, { baseUrl: config.baseUrl, returnTo: toReturnPath(req.query.return_to?.[0], config.baseUrl), ttlSec: SIGN_IN_TTL_SEC });
  return { status: 302, headers: { 'cache-control': 'no-store', location: started.location }, cookies: [stateCookie(ctx, started.state, SIGN_IN_TTL_SEC)] };
}

export async function signInCallbackPage(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const { db } = ctx.services;
  const provider = await loadIdentityProvider(db, req.pathParams!.id);
  const { user, returnTo } = await finishSignIn(db, provider, toCallbackParams(req.query), {
    browserState: readCookie(req.headers.cookie, STATE_COOKIE),
    remoteSets,
    timeoutMs: TIMEOUT_MS,
    clockToleranceSec: 30,
  });
  const { cookie } = await openBrowserSession(ctx.services, user.id, `identity-provider:${provider.id}`);
  ctx.logger.log('info', 'signed in through an identity provider', { provider: provider.id, user: user.id });
  // The state cookie is spent (the state itself is single-use on our side, whatever the outcome).
  return { status: 303, headers: { 'cache-control': 'no-store', location: returnTo }, cookies: [stateCookie(ctx, '', 0), cookie] };
}
