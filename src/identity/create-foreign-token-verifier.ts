import type { Database } from '../db/database';
import type { Logger } from '../log/logger';
import { findOrCreateUser, type LocalUser } from './find-or-create-user';
import { ForeignTokenError } from './foreign-token-error';
import { introspectOpaqueToken } from './introspect-opaque-token';
import { loadIntrospectors, type IntrospectorIndex } from './load-introspectors';
import { loadUserinfo } from './load-userinfo';
import { TokenCache } from './token-cache';
import { verifyForeignJwt } from './verify-foreign-jwt';

type Obj = Record<string, unknown>;

export interface ForeignTokenVerifierOptions {
  db: Database;
  /** BOX_SECURITY_INTROSPECTION_CREATE_USER. */
  createUsers: boolean;
  logger?: Logger;
  /** Every call to a provider (keys, introspection, userinfo). Default 3000. */
  timeoutMs?: number;
  /** exp/nbf leeway. Default 30. */
  clockToleranceSec?: number;
  /** Unknown kid → refetch the key set at most this often. Default 30000. */
  jwksCooldownMs?: number;
  /** Introspection and userinfo answers live at most this long. Default 60000. */
  cacheMaxAgeMs?: number;
  /** …and at most this many of each. Default 10000. */
  cacheMaxEntries?: number;
}

export interface ForeignTokenResult {
  /** The verified JWT claims, or the RFC 7662 introspection response: the request's `jwt` / `token`. */
  claims: Obj;
  kind: 'jwt' | 'opaque';
  /** The local User, when the token maps to one (box_user, identifier, or JIT). */
  user?: LocalUser;
  introspectorId: string;
}

export interface ForeignTokenVerifier {
  /** Throws ForeignTokenError (401) for any token we do not accept. */
  verify(token: string): Promise<ForeignTokenResult>;
  /** Whether some TokenIntrospector trusts this issuer (after the first load). */
  trustsIssuer(iss: string): Promise<boolean>;
  /** Reads the TokenIntrospectors and IdentityProviders again; call when either changes. */
  reload(): Promise<void>;
}

/** A JWS compact serialization has three dot-separated parts (RFC 7515 §7.1). */
const isJwt = (token: string) => token.split('.').length === 3;

/**
 * Tokens issued by someone else (TokenIntrospector): verified JWTs or RFC 7662 introspection,
 * then the local User. Introspectors load lazily on first use and on reload(); keys and provider
 * answers are cached here, so a token with cached keys costs one signature check and one query.
 */
export function createForeignTokenVerifier(options: ForeignTokenVerifierOptions): ForeignTokenVerifier {
  const timeoutMs = options.timeoutMs ?? 3000;
  const clockToleranceSec = options.clockToleranceSec ?? 30;
  const cacheOptions = { maxAgeMs: options.cacheMaxAgeMs ?? 60_000, maxEntries: options.cacheMaxEntries ?? 10_000 };
  const introspections = new TokenCache<Obj>(cacheOptions);
  const userinfos = new TokenCache<Obj>(cacheOptions);
  const remoteSets = new Map();
  let index: Promise<IntrospectorIndex> | undefined;

  const load = () =>
    loadIntrospectors(options.db, { logger: options.logger, remoteSets, timeoutMs, cooldownMs: options.jwksCooldownMs ?? 30_000, maxAgeMs: 10 * 60_000 });
  const current = () => (index ??= load().catch((error) => ((index = undefined), Promise.reject(error))));

  async function verifyToken(token: string): Promise<Omit<ForeignTokenResult, 'user'> & { introspector: Parameters<typeof findOrCreateUser>[1]['introspector'] }> {
    const loaded = await current();
    if (isJwt(token)) {
      const { claims, introspector } = await verifyForeignJwt(loaded, token, { clockToleranceSec, timeoutMs });
      return { claims, kind: 'jwt', introspectorId: introspector.id, introspector };
    }
    if (!loaded.opaque.length) throw new ForeignTokenError('untrusted-issuer', 'no TokenIntrospector accepts opaque tokens');
    let refusal: unknown;
    // An opaque token does not say who issued it: ask each opaque introspector until one knows it.
    for (const introspector of loaded.opaque) {
      try {
        const claims = await introspections.get(token, () => introspectOpaqueToken(introspector, token, { timeoutMs }), (answer) => answer.exp as number | undefined);
        return { claims, kind: 'opaque', introspectorId: introspector.id, introspector };
      } catch (error) {
        refusal = error;
      }
    }
    throw refusal;
  }

  return {
    async verify(token) {
      const { introspector, ...verified } = await verifyToken(token);
      const user = await findOrCreateUser(
        options.db,
        { introspector, claims: verified.claims, token },
        {
          createUsers: options.createUsers,
          loadUserinfo: (provider, bearer, sub) => userinfos.get(bearer, () => loadUserinfo(provider, bearer, sub, timeoutMs), () => verified.claims.exp as number | undefined),
        },
      );
      return user ? { ...verified, user } : verified;
    },
    async trustsIssuer(iss) {
      return (await current()).byIssuer.has(iss);
    },
    async reload() {
      const next = load();
      await next;
      index = next;
      introspections.clear();
      userinfos.clear();
    },
  };
}
