import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

type Obj = Record<string, unknown>;

/**
 * Key sets by the Client resource they were built from: a changed Client is a new object (the
 * client cache replaces it), so its keys are rebuilt, and a forgotten one is collected.
 */
const keySets = new WeakMap<Obj, JWTVerifyGetKey>();

/** How long we wait for a client's jwks_uri; a client that cannot publish its keys fails to authenticate, it does not stall us. */
const JWKS_TIMEOUT_MS = 3000;

/**
 * The keys a client signs its assertions with (RFC 7523 §2.2): `Client.jwks` inline, else the set
 * published at `Client.jwks_uri` (fetched with a timeout, cached, refetched on an unknown kid at
 * most every 30 s). Undefined when the client registered no keys.
 */
export function loadClientKeys(client: Obj): JWTVerifyGetKey | undefined {
  const known = keySets.get(client);
  if (known) return known;
  let keys: JWTVerifyGetKey | undefined;
  if (Array.isArray(client.jwks) && client.jwks.length) keys = createLocalJWKSet({ keys: client.jwks } as JSONWebKeySet);
  else if (typeof client.jwks_uri === 'string' && client.jwks_uri) {
    keys = createRemoteJWKSet(new URL(client.jwks_uri), { timeoutDuration: JWKS_TIMEOUT_MS, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  }
  if (keys) keySets.set(client, keys);
  return keys;
}
