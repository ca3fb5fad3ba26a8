import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { ChangeListener } from '../db/change-bus';

type Obj = Record<string, unknown>;

/** How long we wait for a client's jwks_uri; a client that cannot publish its keys fails to authenticate, it does not stall us. */
const JWKS_TIMEOUT_MS = 3000;

export interface ClientKeys extends ChangeListener {
  /**
   * The keys a client signs its assertions with (RFC 7523 §2.2): `Client.jwks` inline, else the set
   * published at `Client.jwks_uri` (fetched with a timeout, kept 10 minutes, refetched on an unknown
   * kid at most every 30 s). Undefined when the client registered no keys.
   */
  of(client: { id: string; resource: Obj }): JWTVerifyGetKey | undefined;
}

/**
 * Key sets of this process's Clients. Inline sets are kept by the Client resource they were built
 * from: a changed Client is a new object (the identity cache replaces it), so its keys are rebuilt
 * and the old set is collected — nothing to forget. Published sets are kept by URL, so their cache
 * and cooldown outlive the identity cache's 30 s entries; a change to a Client drops the set of the
 * URL it used, so saving a Client fetches its keys anew at once (a key withdrawn from the set stops
 * working then, not 10 minutes later) and a URL no Client uses any more is not kept.
 */
export function createClientKeys(): ClientKeys {
  const inlineSets = new WeakMap<Obj, JWTVerifyGetKey>();
  const remoteSets = new Map<string, JWTVerifyGetKey>();
  const urlOfClient = new Map<string, string>();

  const forget = (clientId: string) => {
    const url = urlOfClient.get(clientId);
    if (url === undefined) return;
    urlOfClient.delete(clientId);
    remoteSets.delete(url);
  };
  const forgetAll = () => {
    urlOfClient.clear();
    remoteSets.clear();
  };

  return {
    of({ id, resource }) {
      if (Array.isArray(resource.jwks) && resource.jwks.length) {
        let keys = inlineSets.get(resource);
        if (!keys) inlineSets.set(resource, (keys = createLocalJWKSet({ keys: resource.jwks } as JSONWebKeySet)));
        return keys;
      }
      const url = resource.jwks_uri;
      if (typeof url !== 'string' || !url || !URL.canParse(url)) return undefined;
      urlOfClient.set(id, url);
      let keys = remoteSets.get(url);
      if (!keys) remoteSets.set(url, (keys = createRemoteJWKSet(new URL(url), { timeoutDuration: JWKS_TIMEOUT_MS, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 })));
      return keys;
    },
    changeTypes: ['Client'],
    onChange({ id, op }) {
      // A new Client has not used any set yet.
      if (op === 'create') return;
      if (id === undefined) forgetAll();
      else forget(id);
    },
    onMissed: forgetAll,
  };
}
