import type { Queryable } from '../db/database';

/**
 * Per-type steps around storage, e.g. hashing User.password before it is written and making sure
 * no secret is ever presented. Registered by the modules that own those types.
 */
export interface WriteHook {
  /** Gets the validated stored-format body (and the current one on update); returns what to store. */
  beforeWrite(resource: Record<string, unknown>, context: { q: Queryable; id: string; previous?: Record<string, unknown> }): Promise<Record<string, unknown>>;
}

export interface ResourceHooks {
  write: ReadonlyMap<string, WriteHook[]>;
  /** Fields never presented for a type (secrets and their hashes), as dotted paths: `client.secret`. */
  hiddenFields: ReadonlyMap<string, readonly string[]>;
}

export function createResourceHooks(write: Record<string, WriteHook[]> = {}, hiddenFields: Record<string, string[]> = {}): ResourceHooks {
  return { write: new Map(Object.entries(write)), hiddenFields: new Map(Object.entries(hiddenFields)) };
}
