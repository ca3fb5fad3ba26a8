import { createHash, createPrivateKey, createPublicKey, generateKeyPair, verify, webcrypto, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { AuthSettings } from '../config/load-config';
import type { Database, Queryable } from '../db/database';

/**
 * The RS256 keys our JWTs (access tokens, id_tokens) are signed with. Every process on one database
 * loads the same keys from `signing_key`, so a token signed by one verifies in all. JWTs are signed
 * and verified with node:crypto directly: the algorithm is fixed (RS256), so no `alg` from the token
 * is ever trusted (RFC 8725 §3.1).
 */
export interface SigningKeys {
  /**
   * A compact JWS of the payload, signed with the current key. RSA signing is the costly part of
   * issuing a JWT; WebCrypto runs it on libuv's thread pool, off the event loop.
   */
  sign(payload: Record<string, unknown>): Promise<string>;
  /**
   * The payload when the token is a JWS we signed: our header (see isOurHeader) and a valid
   * signature; undefined otherwise. Checks no claims: see whyJwtIsInvalid.
   */
  verify(token: string): Promise<Record<string, unknown> | undefined>;
  /** The public keys, current first (RFC 7517). */
  jwks(): { keys: JsonWebKey[] };
  /** Reads the keys again (after a rotation by this or another process). */
  reload(): Promise<void>;
}

interface KeyEntry {
  kid: string;
  publicJwk: JsonWebKey;
  publicKey: KeyObject;
  privateKey: KeyObject;
}

const RS256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

async function toSigningKey(entry: KeyEntry): Promise<{ kid: string; key: webcrypto.CryptoKey }> {
  return { kid: entry.kid, key: await webcrypto.subtle.importKey('jwk', entry.privateKey.export({ format: 'jwk' }), RS256, false, ['sign']) };
}

/** RFC 7638 thumbprint of an RSA public key: the kid, stable for one key wherever it is loaded. */
function thumbprint(jwk: JsonWebKey): string {
  return createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n })).digest('base64url');
}

function publicJwkOf(key: KeyObject, kid: string): JsonWebKey {
  const { n, e, kty } = key.export({ format: 'jwk' });
  return { kty, n, e, kid, use: 'sig', alg: 'RS256' };
}

function entryFromPem(privatePem: string, publicPem: string): KeyEntry {
  const privateKey = createPrivateKey(privatePem);
  const publicKey = createPublicKey(publicPem);
  const kid = thumbprint(publicKey.export({ format: 'jwk' }));
  return { kid, privateKey, publicKey, publicJwk: publicJwkOf(publicKey, kid) };
}

interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** A new 2048-bit RSA pair, made on libuv's thread pool: it takes 50–500 ms of CPU. */
function newKeyPair(): Promise<KeyPair> {
  return new Promise((resolve, reject) =>
    generateKeyPair('rsa', { modulusLength: 2048 }, (error, publicKey, privateKey) => (error ? reject(error) : resolve({ publicKey, privateKey }))),
  );
}

/**
 * Adds a new current key (`pair`, or a new one); the previous ones are retired but keep verifying
 * until they age out.
 */
export async function rotateSigningKey(q: Queryable, pair?: KeyPair): Promise<string> {
  const { privateKey, publicKey } = pair ?? (await newKeyPair());
  const publicJwk = publicKey.export({ format: 'jwk' });
  const kid = thumbprint(publicJwk);
  await q.query('update signing_key set retired_at = now() where retired_at is null', []);
  await q.query('insert into signing_key (kid, private_jwk, public_jwk) values ($1, $2::jsonb, $3::jsonb)', [
    kid,
    JSON.stringify(privateKey.export({ format: 'jwk' })),
    JSON.stringify(publicJwk),
  ]);
  return kid;
}

interface KeyRow {
  kid: string;
  private_jwk: JsonWebKey;
  public_jwk: JsonWebKey;
}

/** Current key first, then retired ones still inside their verification window. */
async function readKeys(db: Database, settings: AuthSettings): Promise<KeyEntry[]> {
  const select = `select kid, private_jwk, public_jwk from signing_key
    where retired_at is null or retired_at > now() - make_interval(secs => $1)
    order by retired_at is not null, created_at desc`;
  const existing = (await db.query<KeyRow>(select, [settings.retiredKeyTtlSeconds])).rows;
  // A first start has no key: one is made before the lock is taken, so nobody waits while it is.
  const pair = existing.length ? undefined : await newKeyPair();
  const rows = existing.length ? existing : await db.transaction(async (tx) => {
    // One process stores the first key; the others wait and read it.
    await tx.query('select pg_advisory_xact_lock($1)', [7_303_004]);
    let found = (await tx.query<KeyRow>(select, [settings.retiredKeyTtlSeconds])).rows;
    if (found.length === 0) {
      await rotateSigningKey(tx, pair);
      found = (await tx.query<KeyRow>(select, [settings.retiredKeyTtlSeconds])).rows;
    }
    return found;
  });
  return rows.map((row) => {
    const publicKey = createPublicKey({ key: row.public_jwk, format: 'jwk' });
    return { kid: row.kid, publicKey, privateKey: createPrivateKey({ key: row.private_jwk, format: 'jwk' }), publicJwk: publicJwkOf(publicKey, row.kid) };
  });
}

const HEADER_CACHE = new Map<string, string>();

function encodedHeader(kid: string): string {
  let header = HEADER_CACHE.get(kid);
  if (!header) HEADER_CACHE.set(kid, (header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid })).toString('base64url')));
  return header;
}

type JoseHeader = { alg?: unknown; typ?: unknown; kid?: unknown; crit?: unknown };

/**
 * The header sign() writes, and no other: RS256 (RFC 8725 §3.1) and typ JWT (§3.11). `crit` names
 * extensions a verifier must understand or else refuse the token (RFC 7515 §4.1.11); we understand
 * none, so any `crit` is refused.
 */
function isOurHeader(header: JoseHeader | null): header is { alg: 'RS256'; typ: 'JWT'; kid: string } {
  return typeof header === 'object' && header !== null && header.alg === 'RS256' && header.typ === 'JWT' && typeof header.kid === 'string' && !('crit' in header);
}

/** Unknown kids trigger a reload at most this often, so garbage tokens cannot hammer the database. */
const RELOAD_INTERVAL_MS = 5_000;
const VERIFIED_MAX_AGE_MS = 60_000;
const VERIFIED_MAX_ENTRIES = 10_000;
/** How often signing checks, in the background, whether another key has become current. */
const CURRENT_KEY_RECHECK_MS = 60_000;

export async function loadSigningKeys(db: Database, settings: AuthSettings): Promise<SigningKeys> {
  const fixed = settings.keysPrivatePem && settings.keysPublicPem ? [entryFromPem(settings.keysPrivatePem, settings.keysPublicPem)] : undefined;
  let entries = fixed ?? (await readKeys(db, settings));
  let byKid = new Map(entries.map((entry) => [entry.kid, entry]));
  let signing = await toSigningKey(entries[0]);
  let lastReload = Date.now();
  // A signature, once checked, stays valid: the same token string need not be checked again for a
  // while. Claims (exp) and the session are still checked on every request by the caller.
  const verified = new Map<string, { payload: Record<string, unknown>; at: number }>();

  async function reload(): Promise<void> {
    if (fixed) return;
    const next = await readKeys(db, settings);
    signing = await toSigningKey(next[0]);
    entries = next;
    byKid = new Map(entries.map((entry) => [entry.kid, entry]));
    lastReload = Date.now();
  }

  return {
    async sign(payload) {
      // Picks up a key added by another process (or by npm run auth:rotate-key) within a minute.
      if (!fixed && Date.now() - lastReload > CURRENT_KEY_RECHECK_MS) {
        lastReload = Date.now();
        reload().catch(() => undefined);
      }
      const { kid, key } = signing;
      const input = `${encodedHeader(kid)}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
      const signature = await webcrypto.subtle.sign(RS256, key, Buffer.from(input));
      return `${input}.${Buffer.from(signature).toString('base64url')}`;
    },
    async verify(token) {
      const known = verified.get(token);
      if (known && Date.now() - known.at < VERIFIED_MAX_AGE_MS) return known.payload;
      const payload = await verifySignature(token);
      if (payload) {
        if (verified.size >= VERIFIED_MAX_ENTRIES) verified.clear();
        verified.set(token, { payload: Object.freeze(payload), at: Date.now() });
      }
      return payload;
    },
    jwks: () => ({ keys: entries.map((entry) => entry.publicJwk) }),
    reload,
  };

  async function verifySignature(token: string): Promise<Record<string, unknown> | undefined> {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    let payload: unknown;
    try {
      const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as JoseHeader | null;
      if (!isOurHeader(header)) return undefined;
      let entry = byKid.get(header.kid);
      if (!entry && Date.now() - lastReload > RELOAD_INTERVAL_MS) {
        await reload();
        entry = byKid.get(header.kid);
      }
      if (!entry) return undefined;
      const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), entry.publicKey, Buffer.from(parts[2], 'base64url'));
      if (!ok) return undefined;
      payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    return payload && typeof payload === 'object' && !Array.isArray(payload) ? (payload as Record<string, unknown>) : undefined;
  }
}
