import express, { type NextFunction, type Request, type Response } from 'express';
import type { createRemoteJWKSet } from 'jose';
import { readCookie } from '../auth/read-cookie';
import type { Database } from '../db/database';
import type { HttpError } from '../errors/http-error';
import { toHttpError } from '../http/to-http-error';
import type { Logger } from '../log/logger';
import type { LocalUser } from './find-or-create-user';
import { finishSignIn, type CallbackParams } from './finish-sign-in';
import { loadIdentityProvider } from './load-identity-provider';
import { SignInError } from './sign-in-error';
import { startSignIn } from './start-sign-in';

export interface IdentityProviderRoutesOptions {
  db: Database;
  /** Our public base URL: the default redirect_uri is `<baseUrl>/auth/callback/<id>`. */
  baseUrl: string;
  /** Opens our Session for the signed-in User; returns the Set-Cookie value (the `asid` cookie). */
  openSession(user: LocalUser, provider: { id: string }): Promise<string>;
  logger?: Logger;
  /** Each call to the provider. Default 3000. */
  timeoutMs?: number;
  /** How long a started sign-in may take. Default 600. */
  signInTtlSec?: number;
}

const STATE_COOKIE = 'lockbox_sign_in';
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Only a path on this server: anything else would make us an open redirector (RFC 9700 §4.11). */
function toReturnPath(value: unknown): string {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/';
}

/** RFC 6749 §3.1: a parameter "MUST NOT be included more than once"; a repeated one is refused. */
function toCallbackParams(query: Record<string, unknown>): CallbackParams {
  const params: CallbackParams = {};
  for (const name of ['state', 'code', 'error', 'error_description'] as const) {
    const value = query[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new SignInError(400, 'bad-request', `the callback gives ${name} more than once`);
    params[name] = value;
  }
  return params;
}

/** Express decodes `:id` before a handler runs: a malformed %-sequence reaches the error handler as a URIError. */
function toKnownError(error: unknown): HttpError | undefined {
  if (error instanceof URIError) return new SignInError(400, 'bad-request', 'the address is not valid percent-encoding');
  return toHttpError(error);
}

/**
 * Sign-in through an IdentityProvider (OIDC authorization code flow with PKCE):
 *   GET /auth/redirect/:id  → the provider's authorize_endpoint (`?return_to=/path` to come back to)
 *   GET /auth/callback/:id  → code exchange, id_token validation, User, Session cookie, back to return_to
 * Failures end on an HTML error page; nothing is created for them.
 */
export function createIdentityProviderRoutes(options: IdentityProviderRoutesOptions): express.Router {
  const { db, logger } = options;
  const timeoutMs = options.timeoutMs ?? 3000;
  const ttlSec = options.signInTtlSec ?? 600;
  const secure = options.baseUrl.startsWith('https:');
  const remoteSets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  const stateCookie = (value: string, maxAge: number) =>
    // SameSite=Lax: the callback is a top-level navigation from the provider's site, which Lax allows.
    `${STATE_COOKIE}=${value}; Path=/auth/callback/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;

  const router = express.Router();
  router.get('/auth/redirect/:id', async (req: Request, res: Response) => {
    const provider = await loadIdentityProvider(db, req.params.id as string);
    const started = await startSignIn(db, provider, { baseUrl: options.baseUrl, returnTo: toReturnPath(req.query.return_to), ttlSec });
    res.set('cache-control', 'no-store').set('set-cookie', stateCookie(started.state, ttlSec)).redirect(302, started.location);
  });

  router.get('/auth/callback/:id', async (req: Request, res: Response) => {
    res.set('cache-control', 'no-store').append('set-cookie', stateCookie('', 0));
    const provider = await loadIdentityProvider(db, req.params.id as string);
    const { user, returnTo } = await finishSignIn(db, provider, toCallbackParams(req.query), {
      browserState: readCookie(req.headers.cookie, STATE_COOKIE),
      remoteSets,
      timeoutMs,
      clockToleranceSec: 30,
    });
    const cookie = await options.openSession(user, { id: provider.id });
    logger?.log('info', 'signed in through an identity provider', { provider: provider.id, user: user.id });
    res.append('set-cookie', cookie).redirect(303, returnTo);
  });

  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const known = toKnownError(error);
    if (!known) logger?.log('error', 'sign-in through an identity provider failed', { error: (error as Error).message });
    else logger?.log('warn', 'sign-in refused', { reason: known instanceof SignInError ? known.reason : undefined, message: known.message });
    const status = known ? known.status : 500;
    const message = known ? known.message : 'the sign-in failed unexpectedly';
    res
      .status(status)
      .type('html')
      .set('cache-control', 'no-store')
      .send(`<!doctype html><meta charset="utf-8"><title>Sign-in failed</title><h1>Sign-in failed</h1><p>${escapeHtml(message)}</p><p><a href="/auth/login">Back to sign-in</a></p>`);
  });
  return router;
}
