import { OAuthError } from '../oauth/oauth-error';

/**
 * Counts failed logins and password grants per user name and per client address in fixed windows;
 * once a key reaches its limit, attempts are refused with 429 and Retry-After until the window ends
 * (OWASP ASVS V2.2.1). Names are counted whether or not such a user exists, so the response never
 * tells. Kept in memory: each process throttles on its own.
 */
export interface LoginThrottle {
  /** Throws 429 when the name or the address is over its limit. */
  check(userName: string, address: string | undefined): void;
  recordFailure(userName: string, address: string | undefined): void;
  recordSuccess(userName: string): void;
}

interface Window {
  failures: number;
  resetAt: number;
}

const MAX_TRACKED = 100_000;

export function createLoginThrottle(options: { maxPerUser: number; maxPerAddress: number; windowSeconds: number }, now = () => Date.now()): LoginThrottle {
  const windows = new Map<string, Window>();
  const userKey = (name: string) => `u:${name.trim().toLowerCase()}`;
  const addressKey = (address: string) => `a:${address}`;

  function retryAfter(key: string, limit: number): number | undefined {
    const window = windows.get(key);
    if (!window || window.resetAt <= now()) return undefined;
    return window.failures >= limit ? Math.ceil((window.resetAt - now()) / 1000) : undefined;
  }

  function prune(): void {
    const time = now();
    for (const [key, window] of windows) if (window.resetAt <= time) windows.delete(key);
  }

  function count(key: string): void {
    if (windows.size >= MAX_TRACKED) prune();
    const time = now();
    const window = windows.get(key);
    if (!window || window.resetAt <= time) windows.set(key, { failures: 1, resetAt: time + options.windowSeconds * 1000 });
    else window.failures += 1;
  }

  return {
    check(userName, address) {
      const wait = Math.max(retryAfter(userKey(userName), options.maxPerUser) ?? 0, address ? (retryAfter(addressKey(address), options.maxPerAddress) ?? 0) : 0);
      if (wait > 0) throw new OAuthError(429, 'temporarily_unavailable', 'Too many failed attempts; try again later', { 'retry-after': String(wait) });
    },
    recordFailure(userName, address) {
      count(userKey(userName));
      if (address) count(addressKey(address));
    },
    recordSuccess(userName) {
      windows.delete(userKey(userName));
    },
  };
}
