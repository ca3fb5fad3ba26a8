import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

type Obj = Record<string, unknown>;

/**
 * Inline key sets by the Client resource they were built from: a changed Client is a new object
 * (the client cache replaces it), so its keys are rebuilt, and a forgotten one is collected.
 */
const inlineSets = new WeakMap<Obj, JWTVerifyGetKey>();
/** Published key sets by URL, so their cache and cooldown outlive the client cache's 30 s entries. Only administrators write Clients, so the URLs are few. */
const remoteSets = new Map<string, JWTVerifyGetKey>();

/** How long we wait for a client's jwks_uri; a client that cannot publish its keys fails to authenticate, it does not stall us. */
const JWKS_TIMEOUT_MS = 3000;

/**
 * The keys a client signs its assertions with (RFC 7523 §2.2): `Client.jwks` inline, else the set
 * published at `Client.jwks_uri` (fetched with a timeout, kept 10 minutes, refetched on an unknown
 * kid at most every 30 s). Undefined when the client registered no keys.
 */
export function loadClientKeys(client: Obj): JWTVerifyGetKey | undefined {
  if (Array.isArray(client.jwks) && client.jwks.length) {
    let keys = inlineSets.get(client);
    if (!keys) inlineSets.set(client, (keys = createLocalJWKSet({ keys: client.jwks } as JSONWebKeySet)));
    return keys;
  }
  if (typeof client.jwks_uri !== 'string' || !client.jwks_uri) return undefined;
  let keys = remoteSets.get(client.jwks_uri);
  if (!keys) {
    if (!URL.canParse(client.jwks_uri)) return undefined;
    keys = createRemoteJWKSet(new URL(client.jwks_uri), { timeoutDuration: JWKS_TIMEOUT_MS, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
    remoteSets.set(client.jwks_uri, keys);
  }
  return keys;
}
