import type { ChangeListener } from '../db/change-bus';
import type { Database } from '../db/database';
import type { Logger } from '../log/logger';
import { findOrCreateUser, type LocalUser } from './find-or-create-user';
import { ForeignTokenError } from './foreign-token-error';
import { introspectOpaqueToken } from './introspect-opaque-token';
import { loadIntrospectors, type Introspector, type IntrospectorIndex } from './load-introspectors';
import { loadUserinfoOrClaims } from './load-userinfo';
import { TokenCache } from './token-cache';
import { UserCache } from './user-cache';
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
  /** Published keys are fetched again after this long (kept if the provider is then unreachable). Default 600000. */
  jwksMaxAgeMs?: number;
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

/**
 * Follows the change bus (src/db/change-bus.ts): a changed TokenIntrospector or IdentityProvider
 * has the introspectors read again on next use and drops every cached answer; a changed User — a
 * new one too, since a token may be remembered as having none — retires what is cached about users.
 */
export interface ForeignTokenVerifier extends ChangeListener {
  /** Throws ForeignTokenError (401) for any token we do not accept. */
  verify(token: string): Promise<ForeignTokenResult>;
  /** Whether some TokenIntrospector trusts this issuer. */
  trustsIssuer(iss: string): Promise<boolean>;
  /** Reads the TokenIntrospectors and IdentityProviders again and drops cached answers. */
  reload(): Promise<void>;
}

/** A JWS compact serialization has three dot-separated parts (RFC 7515 §7.1). */
const isJwt = (token: string) => token.split('.').length === 3;

/**
 * Tokens issued by someone else (TokenIntrospector): verified JWTs or RFC 7662 introspection,
 * then the local User. Introspectors load on first use and on reload(); keys, verified tokens,
 * provider answers and resolved Users are cached, so a known foreign token costs a hash and no query.
 */
export function createForeignTokenVerifier(options: ForeignTokenVerifierOptions): ForeignTokenVerifier {
  const { db, logger } = options;
  const timeoutMs = options.timeoutMs ?? 3000;
  const clockToleranceSec = options.clockToleranceSec ?? 30;
  const cacheOptions = { maxAgeMs: options.cacheMaxAgeMs ?? 60_000, maxEntries: options.cacheMaxEntries ?? 10_000 };
  const verifiedJwts = new TokenCache<{ claims: Obj; kind: 'jwt'; introspector: Introspector }>(cacheOptions);
  const introspections = new TokenCache<Obj>(cacheOptions);
  const userinfos = new TokenCache<Obj>(cacheOptions);
  const users = new UserCache({ maxAgeMs: 30_000, maxEntries: 20_000 });
  /**
   * Whole answers by token hash, as long as no User changed since (the user cache's generation:
   * every User change, reload or deletion bumps it) and at most the user cache's age: a known token
   * then costs one hash and a lookup, as one of our own JWTs does.
   */
  const results = new Map<string, { result: ForeignTokenResult; generation: number; expiresAt: number }>();
  const remoteSets = new Map();
  let index: Promise<IntrospectorIndex> | undefined;
  const refusingProviders = new Set<string>();

  /** Once per provider and process: the operator should know, the log should not fill up. */
  const warnRefusedUserinfo = (provider: { system?: string; userinfo_endpoint?: string }, problem: string) => {
    const key = provider.userinfo_endpoint ?? provider.system ?? '';
    if (refusingProviders.has(key)) return;
    refusingProviders.add(key);
    logger?.log('warn', "userinfo endpoint refused a verified token; the token's claims are the user data", { system: provider.system, problem });
  };
  let loads = 0;

  const load = () => loadIntrospectors(db, { logger, remoteSets, timeoutMs, cooldownMs: options.jwksCooldownMs ?? 30_000, maxAgeMs: options.jwksMaxAgeMs ?? 10 * 60_000 });
  const current = () => (index ??= load().catch((error) => ((index = undefined), Promise.reject(error))));

  async function verifyToken(token: string): Promise<{ claims: Obj; kind: 'jwt' | 'opaque'; introspector: Introspector }> {
    const loaded = await current();
    if (isJwt(token)) {
      // A signature, once verified, stays verified: the same token is not checked again until its
      // exp or the cache limit, as our own JWTs are not (src/auth/signing-keys.ts).
      return verifiedJwts.get(
        token,
        async () => {
          const { claims, introspector } = await verifyForeignJwt(loaded, token, { clockToleranceSec, timeoutMs });
          return { claims, kind: 'jwt' as const, introspector };
        },
        (verified) => verified.claims.exp as number | undefined,
      );
    }
    if (!loaded.opaque.length) throw new ForeignTokenError('untrusted-issuer', 'no TokenIntrospector accepts opaque tokens');
    let refusal: unknown;
    // An opaque token does not say who issued it: ask each opaque introspector until one knows it.
    for (const introspector of loaded.opaque) {
      try {
        const claims = await introspections.get(token, () => introspectOpaqueToken(introspector, token, { timeoutMs }), (answer) => answer.exp as number | undefined);
        return { claims, kind: 'opaque', introspector };
      } catch (error) {
        refusal = error;
      }
    }
    throw refusal;
  }

  const forgetAnswers = () => {
    verifiedJwts.clear();
    introspections.clear();
    results.clear();
    userinfos.clear();
    users.clear();
  };
  /** The introspectors are read again on next use, and nothing is kept. */
  const forgetAll = () => {
    loads += 1;
    index = undefined;
    forgetAnswers();
  };

  const verifier: ForeignTokenVerifier = {
    async verify(token) {
      const key = TokenCache.keyOf(token);
      const known = results.get(key);
      if (known && known.generation === users.begin() && known.expiresAt > Date.now()) return known.result;
      if (known) results.delete(key);
      const generation = users.begin();
      const { claims, kind, introspector } = await verifyToken(token).catch((error) => {
        // A bad token is the caller's problem; an unreachable or misconfigured provider is the operator's.
        if (error instanceof ForeignTokenError && (error.reason === 'provider-unavailable' || error.reason === 'misconfigured')) {
          logger?.log('warn', 'foreign token could not be checked', { reason: error.reason, problem: error.message });
        }
        throw error;
      });
      const user = await findOrCreateUser(db, { introspector, claims, token }, {
        createUsers: options.createUsers,
        users,
        loadUserinfo: (provider, bearer) => userinfos.get(bearer, () => loadUserinfoOrClaims(provider, bearer, claims, { timeoutMs, onRefused: warnRefusedUserinfo }), () => claims.exp as number | undefined),
      });
      const result: ForeignTokenResult = { claims, kind, introspectorId: introspector.id };
      if (user) result.user = { id: user.id, resource: user.resource };
      // "No user yet" is remembered too: a User created anywhere is announced (onChange), which
      // bumps the generation and so retires this answer.
      const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : Infinity;
      if (results.size >= cacheOptions.maxEntries) results.delete(results.keys().next().value!);
      results.set(key, { result, generation, expiresAt: Math.min(Date.now() + 30_000, exp) });
      return result;
    },
    async trustsIssuer(iss) {
      return (await current()).byIssuer.has(iss);
    },
    async reload() {
      // Changes can arrive in a burst: only the newest load may replace the index.
      const mine = ++loads;
      const next = load();
      await next;
      if (mine !== loads) return;
      index = next;
      forgetAnswers();
    },
    changeTypes: ['TokenIntrospector', 'IdentityProvider', 'User'],
    onChange({ resourceType, id }) {
      // The introspectors are read again on next use: the very next request sees the change.
      if (resourceType !== 'User' || id === undefined) forgetAll();
      else users.forget(id);
    },
    onMissed: forgetAll,
  };
  return verifier;
}
