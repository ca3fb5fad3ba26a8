import { HttpError } from '../errors/http-error';
import { bearerChallenge } from './bearer-challenge';
import type { Services } from '../interactions/interaction-context';
import type { AuthContext } from './auth-context';
import { hashSecret, isSameSecret } from './hash-secret';
import { whySessionIsDead, type LoadedSession } from './load-session';
import { readCookie } from './read-cookie';
import { whyJwtIsInvalid } from './why-jwt-is-invalid';

type Headers = Record<string, string | undefined>;

/** RFC 6750 §3: a refused bearer credential is answered with a Bearer challenge naming the error. */
export function loginRequired(message: string, scheme: 'Bearer' | 'Basic' = 'Bearer', error = true): HttpError {
  const challenge = scheme === 'Basic' ? 'Basic realm="lockbox", charset="UTF-8"' : bearerChallenge(error ? message : undefined);
  return new HttpError(401, 'login', message, undefined, { 'www-authenticate': challenge });
}

function contextOf(session: LoadedSession, method: AuthContext['method'], claims?: Record<string, unknown>): AuthContext {
  const scope = session.resource.scope;
  return {
    user: session.user,
    client: session.client,
    session: { id: session.id, resource: session.resource },
    claims,
    scope: Array.isArray(scope) ? (scope as string[]) : [],
    method,
  };
}

function checkLive(session: LoadedSession | undefined, scheme: 'Bearer' | 'Basic' = 'Bearer'): LoadedSession {
  if (!session) throw loginRequired('The token is not valid', scheme);
  const dead = whySessionIsDead(session);
  if (dead) throw loginRequired(dead, scheme);
  return session;
}

/** Ours when it is three base64url parts: a JWS (RFC 7515 §7.1); anything else is opaque. */
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** The issuer a JWT claims, before anything is verified: only to choose who verifies it. */
function claimedIssuer(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
    return typeof payload?.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}

/** A token some TokenIntrospector trusts: its claims (JWT) or introspection answer (opaque), and the local User. */
async function authenticateForeign(services: Services, token: string): Promise<AuthContext> {
  const result = await services.foreignTokens.verify(token);
  if (result.user?.resource.inactive === true) throw loginRequired('The user is inactive');
  const scope = typeof result.claims.scope === 'string' ? result.claims.scope.split(' ').filter(Boolean) : [];
  return {
    ...(result.user ? { user: result.user } : {}),
    ...(result.kind === 'jwt' ? { claims: result.claims } : { token: result.claims }),
    scope,
    method: 'bearer',
  };
}

/**
 * Who our access tokens may be addressed to: this server, its FHIR base, or the audience the client
 * asked for when the session began (mint-tokens.ts puts it in `aud`).
 */
function audiencesOf(baseUrl: string, session: LoadedSession): string[] {
  const requested = session.resource.audience;
  return typeof requested === 'string' ? [baseUrl, `${baseUrl}/fhir`, requested] : [baseUrl, `${baseUrl}/fhir`];
}

async function authenticateBearer(services: Services, token: string): Promise<AuthContext> {
  if (JWT_SHAPE.test(token)) {
    const issuer = claimedIssuer(token);
    if (issuer !== undefined && issuer !== services.config.baseUrl) return authenticateForeign(services, token);
    const claims = await services.auth.keys.verify(token);
    if (!claims || typeof claims.sid !== 'string') throw loginRequired('The token is not valid');
    const session = checkLive(await services.auth.cache.session(services.db, 'id', claims.sid));
    const invalid = whyJwtIsInvalid(claims, { issuer: services.config.baseUrl, audiences: audiencesOf(services.config.baseUrl, session) });
    if (invalid) throw loginRequired(invalid);
    // A refresh replaces the session's jti: the JWT it replaced stops working with it.
    if (session.resource.jti !== claims.jti) throw loginRequired('The token has been replaced');
    return contextOf(session, 'bearer', claims);
  }
  const session = await services.auth.cache.session(services.db, 'access_token', hashSecret(token));
  if (session) return contextOf(checkLive(session), 'bearer');
  // Not one of our sessions: perhaps an external provider's opaque token (RFC 7662).
  try {
    return await authenticateForeign(services, token);
  } catch (error) {
    if ((error as { reason?: string }).reason === 'untrusted-issuer') throw loginRequired('The token is not valid');
    throw error;
  }
}

/** RFC 7617 Basic, with Client id:secret, for clients granted the `basic` type. */
async function authenticateBasic(services: Services, encoded: string, address: string | undefined): Promise<AuthContext> {
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) throw loginRequired('Malformed Basic credentials', 'Basic');
  const id = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  const client = await services.auth.cache.client(services.db, id);
  const throttle = services.auth.clientThrottle;
  // Check, compare and count with no await in between: parallel guesses are counted one by one,
  // and the right secret costs nothing more than these lookups (see ClientAuthThrottle).
  const wait = throttle.retryAfter(id, address);
  if (wait > 0) throw new HttpError(429, 'throttled', 'Too many failed attempts; try again later', undefined, { 'retry-after': String(wait) });
  // Hash and compare even for an unknown client, so timing does not reveal which ids exist.
  const matches = isSameSecret(secret, client?.resource.secret ?? '0'.repeat(64));
  const grants = client?.resource.grant_types;
  if (!client || !matches || !Array.isArray(grants) || !grants.includes('basic') || client.resource.active === false) {
    throttle.recordFailure(id, address);
    throw loginRequired('Invalid client credentials', 'Basic');
  }
  return { client, method: 'basic', scope: [] };
}

/**
 * The authentication stage: credentials → who is calling. Authorization header first (Bearer or
 * Basic), then the `asid` login cookie; nothing at all is an anonymous caller ({}). Presented but
 * bad, expired or revoked credentials are refused here with 401, never treated as anonymous.
 * `address`, the caller's network address, is what failed Basic authentications are counted by.
 */
export async function authenticateRequest(services: Services, headers: Headers, address?: string): Promise<AuthContext> {
  const authorization = headers.authorization?.trim();
  if (authorization) {
    const space = authorization.indexOf(' ');
    const scheme = (space < 0 ? authorization : authorization.slice(0, space)).toLowerCase();
    const value = space < 0 ? '' : authorization.slice(space + 1).trim();
    if (scheme === 'bearer' && value) return authenticateBearer(services, value);
    if (scheme === 'basic' && value) return authenticateBasic(services, value, address);
    throw loginRequired('Unsupported or empty Authorization header', 'Bearer', false);
  }
  const asid = readCookie(headers.cookie, 'asid');
  if (asid) return contextOf(checkLive(await services.auth.cache.session(services.db, 'access_token', hashSecret(asid))), 'cookie');
  return {};
}
