import { createLocalJWKSet, createRemoteJWKSet, errors, importSPKI, importX509, type JWTHeaderParameters, type JWTVerifyGetKey, type jwtVerify } from 'jose';

/** What jwtVerify accepts as a key: an imported key, a secret, or a remote key set. */
export type VerifyKey = Parameters<typeof jwtVerify>[1];

/** One way to verify a token, with the only algorithms that key may be used with. */
export interface JwtKeyCandidate {
  key: VerifyKey;
  algorithms: string[];
}

/** The compiled verification keys of one `type: jwt` TokenIntrospector. */
export interface JwtKeys {
  /** Which key(s) to try for a token's protected header; empty when none may verify it. */
  candidatesFor(header: JWTHeaderParameters): JwtKeyCandidate[];
}

export interface TokenIntrospectorJwt {
  iss?: string;
  secret?: string;
  keys?: Array<{ alg?: string; format?: string; kty?: string; pub?: string; k?: string }>;
}

export interface RemoteKeySetOptions {
  /** Per fetch of the key set. */
  timeoutMs: number;
  /** An unknown `kid` refetches the set at most once per this interval (jose's cooldown). */
  cooldownMs: number;
  /** Keys are refetched at the latest after this long. */
  maxAgeMs: number;
}

/**
 * A JWKS endpoint may only publish keys for signatures (RFC 7517 §4.2); we never accept a symmetric
 * algorithm from it, so a token "signed" with HS256 and the public key as the HMAC secret is refused
 * before any key is looked at (RFC 8725 §2.1, §3.1).
 */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
const ALLOWED_KEY_ALGS = new Set(['RS256', 'RS384', 'ES256', 'HS256']);

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * The remote key set, except that when the provider cannot be reached to refresh keys that have
 * grown old, the keys it last published keep verifying (stale-if-error, as RFC 5861 §4 does for
 * HTTP caches) and the next attempt waits a cooldown: an identity-provider outage does not make
 * every request wait for a timeout, nor turn away tokens signed with keys we already know.
 * Unknown kids still fail: an outage never widens what we trust.
 */
function staleIfError(remote: RemoteKeySet, cooldownMs: number): JWTVerifyGetKey {
  let failedAt = -Infinity;
  let staleJwks: ReturnType<RemoteKeySet['jwks']>;
  let stale: ReturnType<typeof createLocalJWKSet> | undefined;
  const fromStale = (header: JWTHeaderParameters, token: Parameters<JWTVerifyGetKey>[1]) => {
    const jwks = remote.jwks()!;
    if (jwks !== staleJwks) [staleJwks, stale] = [jwks, createLocalJWKSet(jwks)];
    return stale!(header, token);
  };
  return async (header, token) => {
    if (Date.now() - failedAt < cooldownMs && remote.jwks()) return fromStale(header, token);
    try {
      return await remote(header, token);
    } catch (error) {
      const unreachable = error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError);
      if (!unreachable || !remote.jwks()) throw error;
      failedAt = Date.now();
      return fromStale(header, token);
    }
  };
}

/**
 * Imports the keys once, when the introspector is loaded, so a request only verifies.
 * `remoteSets` is shared across reloads: a reload does not throw away keys already fetched.
 * Throws an Error naming the problem when the configuration is unusable.
 */
export async function compileJwtKeys(
  resource: { jwks_uri?: string; jwt?: TokenIntrospectorJwt },
  remoteSets: Map<string, JWTVerifyGetKey>,
  options: RemoteKeySetOptions,
): Promise<JwtKeys> {
  const jwt = resource.jwt ?? {};
  const sources = [resource.jwks_uri ? 'jwks_uri' : '', jwt.keys?.length ? 'jwt.keys' : '', jwt.secret ? 'jwt.secret' : ''].filter(Boolean);
  if (sources.length !== 1) {
    throw new Error(sources.length ? `has ${sources.join(' and ')}; exactly one key source is allowed` : 'has no jwks_uri, jwt.keys or jwt.secret');
  }

  if (resource.jwks_uri) {
    const uri = resource.jwks_uri;
    let set = remoteSets.get(uri);
    if (!set) {
      const remote = createRemoteJWKSet(new URL(uri), { timeoutDuration: options.timeoutMs, cooldownDuration: options.cooldownMs, cacheMaxAge: options.maxAgeMs });
      set = staleIfError(remote, options.cooldownMs);
      remoteSets.set(uri, set);
    }
    const only = [{ key: set as VerifyKey, algorithms: ASYMMETRIC_ALGORITHMS }];
    return { candidatesFor: () => only };
  }

  if (jwt.secret) {
    const only = [{ key: new TextEncoder().encode(jwt.secret), algorithms: ['HS256'] }];
    return { candidatesFor: () => only };
  }

  const keys: JwtKeyCandidate[] = [];
  for (const [i, entry] of (jwt.keys ?? []).entries()) {
    const alg = entry.alg ?? '';
    if (!ALLOWED_KEY_ALGS.has(alg)) throw new Error(`jwt.keys[${i}].alg ${alg || '(missing)'} is not one of RS256, RS384, ES256, HS256`);
    if (entry.format === 'plain') {
      // A plain key is a shared secret: only an HMAC algorithm may use it.
      if (alg !== 'HS256' || !entry.k) throw new Error(`jwt.keys[${i}]: format plain needs alg HS256 and k`);
      keys.push({ key: new TextEncoder().encode(entry.k), algorithms: ['HS256'] });
    } else if (entry.format === 'PEM') {
      if (alg === 'HS256' || !entry.pub) throw new Error(`jwt.keys[${i}]: format PEM needs an asymmetric alg and pub`);
      const pem = entry.pub.trim();
      const key = pem.includes('BEGIN CERTIFICATE') ? await importX509(pem, alg) : await importSPKI(pem, alg);
      keys.push({ key, algorithms: [alg] });
    } else {
      throw new Error(`jwt.keys[${i}].format must be PEM or plain`);
    }
  }
  // The configured keys carry no kid: every key of the token's algorithm is a candidate.
  const byAlg = new Map<string, JwtKeyCandidate[]>();
  for (const key of keys) byAlg.set(key.algorithms[0], [...(byAlg.get(key.algorithms[0]) ?? []), key]);
  return { candidatesFor: (header) => byAlg.get(header.alg ?? '') ?? [] };
}
