/** A local User as the foreign-token path and AuthContext.user carry it. */
export interface LocalUser {
  id: string;
  /** The stored body (no id, resourceType or meta). */
  resource: Record<string, unknown>;
}

export interface CachedUser extends LocalUser {
  /** The version read, so a refresh of `data` can be conditional on it. */
  txid: number;
}

interface Entry {
  user: CachedUser;
  at: number;
}

/**
 * The local Users of foreign identities, by identity key (`system` + `sub`, or `box_user`), so a
 * request with a known foreign token needs no database round trip — as a request with one of our
 * own tokens needs none (src/auth/identity-cache.ts). forget() is called for every change to a
 * User row (the change bus, src/db/change-bus.ts); the generation counter keeps a read that
 * raced with a change from being stored, and maxAgeMs bounds the damage of a lost notification.
 * Only found users are kept here; the verifier remembers "none" in its own answers (a new User is
 * announced as well, so those are retired when one appears).
 */
export class UserCache {
  private readonly entries = new Map<string, Entry>();
  private generation = 0;

  constructor(private readonly options: { maxAgeMs: number; maxEntries: number }) {}

  get(key: string): CachedUser | undefined {
    const entry = this.entries.get(key);
    if (entry && Date.now() - entry.at < this.options.maxAgeMs) return entry.user;
    if (entry) this.entries.delete(key);
    return undefined;
  }

  /** Call before reading the database; pass the result to set(). */
  begin(): number {
    return this.generation;
  }

  set(key: string, user: CachedUser, since: number): void {
    if (since !== this.generation) return;
    if (this.entries.size >= this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { user, at: Date.now() });
  }

  forget(userId: string): void {
    this.generation += 1;
    for (const [key, entry] of this.entries) if (entry.user.id === userId) this.entries.delete(key);
  }

  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }
}
