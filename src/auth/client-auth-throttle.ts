import { createFixedWindowCounter } from './fixed-window-counter';

/**
 * Limits failed client authentications — a wrong secret, an unknown or inactive client, a refused
 * client assertion — per client id and per client address in fixed windows, as LoginThrottle does
 * for passwords (OWASP ASVS V2.2.1). Unknown ids are counted like known ones, so the 429 never
 * tells which clients exist.
 *
 * Unlike a password, a secret is compared synchronously (SHA-256), so a caller can check, compare
 * and record with no await in between: parallel guesses are counted one by one without reserving
 * anything, and a busy client presenting its right secret costs two Map lookups and is never
 * throttled by its own traffic. A success does not clear the id's failures: a client that
 * authenticates on every request would otherwise wipe an attacker's count as fast as it grows.
 */
export interface ClientAuthThrottle {
  /** Seconds until the id and the address may try again; 0 when both may now. */
  retryAfter(clientId: string, address: string | undefined): number;
  recordFailure(clientId: string, address: string | undefined): void;
}

export function createClientAuthThrottle(options: { maxPerClient: number; maxPerAddress: number; windowSeconds: number }, now = () => Date.now()): ClientAuthThrottle {
  const counter = createFixedWindowCounter(options.windowSeconds, now);
  const clientKey = (id: string) => `c:${id}`;
  const addressKey = (address: string) => `a:${address}`;
  return {
    retryAfter(clientId, address) {
      const wait = counter.retryAfter(clientKey(clientId), options.maxPerClient);
      return address === undefined ? wait : Math.max(wait, counter.retryAfter(addressKey(address), options.maxPerAddress));
    },
    recordFailure(clientId, address) {
      counter.add(clientKey(clientId));
      if (address !== undefined) counter.add(addressKey(address));
    },
  };
}
