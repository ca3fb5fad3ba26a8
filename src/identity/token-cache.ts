import { hash } from 'node:crypto';

export interface TokenCacheOptions {
  /** Upper bound on how long an entry lives, whatever the token's own expiry. */
  maxAgeMs: number;
  /** Upper bound on entries; the oldest is dropped first. */
  maxEntries: number;
}

interface Entry<T> {
  value: Promise<T>;
  /** Epoch ms; Infinity while the first lookup is still running. */
  expiresAt: number;
}

/**
 * Answers about a bearer token (introspection, userinfo), remembered until the token's `exp` or
 * maxAgeMs, whichever is sooner. Keyed by the SHA-256 of the token: a heap dump of the cache does
 * not hand out working credentials. Concurrent lookups of one token share a single request.
 * Failures are not remembered.
 */
export class TokenCache<T> {
  private readonly entries = new Map<string, Entry<T>>();

  constructor(private readonly options: TokenCacheOptions) {}

  /** One-shot SHA-256: a known foreign token costs this on every request. */
  static keyOf(token: string): string {
    return hash('sha256', token, 'base64url');
  }

  /** The cached answer, or load()'s; `expiresAtOf` tells when an answer stops being valid (epoch s). */
  get(token: string, load: () => Promise<T>, expiresAtOf: (value: T) => number | undefined): Promise<T> {
    const key = TokenCache.keyOf(token);
    const now = Date.now();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    if (hit) this.entries.delete(key);

    const entry: Entry<T> = { value: load(), expiresAt: Infinity };
    this.entries.set(key, entry);
    while (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    entry.value.then(
      (value) => {
        const exp = expiresAtOf(value);
        entry.expiresAt = Math.min(Date.now() + this.options.maxAgeMs, typeof exp === 'number' ? exp * 1000 : Infinity);
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    return entry.value;
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
