import type { Queryable } from '../db/database';
import { readResources, type StoredVersion } from './resource-store';

interface Waiter {
  resolve(version: StoredVersion | undefined): void;
  reject(error: unknown): void;
}

/**
 * Reads by id that arrive in the same turn of the event loop go to PostgreSQL as one statement per
 * type (`where id = any($1)`): one round trip and one plan execution instead of one per request.
 * Every read is still answered by a query sent after it was asked, so a read sees every write that
 * committed before it: this coalesces, it never caches.
 */
class ReadBatcher {
  private pending = new Map<string, Map<string, Waiter[]>>();
  private scheduled = false;

  constructor(private readonly q: Queryable) {}

  read(resourceType: string, id: string): Promise<StoredVersion | undefined> {
    return new Promise((resolve, reject) => {
      let byId = this.pending.get(resourceType);
      if (!byId) this.pending.set(resourceType, (byId = new Map()));
      const waiters = byId.get(id);
      if (waiters) waiters.push({ resolve, reject });
      else byId.set(id, [{ resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = new Map();
    this.scheduled = false;
    for (const [resourceType, byId] of batch) void this.run(resourceType, byId);
  }

  private async run(resourceType: string, byId: Map<string, Waiter[]>): Promise<void> {
    try {
      const found = await readResources(this.q, resourceType, [...byId.keys()]);
      for (const [id, waiters] of byId) for (const waiter of waiters) waiter.resolve(found.get(id));
    } catch (error) {
      for (const waiters of byId.values()) for (const waiter of waiters) waiter.reject(error);
    }
  }
}

const batchers = new WeakMap<Queryable, ReadBatcher>();

/** The current version of a resource, read through `q`'s batcher (for reads outside transactions). */
export function readResourceBatched(q: Queryable, resourceType: string, id: string): Promise<StoredVersion | undefined> {
  let batcher = batchers.get(q);
  if (!batcher) batchers.set(q, (batcher = new ReadBatcher(q)));
  return batcher.read(resourceType, id);
}
