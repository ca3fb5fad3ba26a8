import type { Change, ChangeBus } from './change-bus';

/** The one interface the rest of the server sees, whether PostgreSQL (pg) or embedded PGlite is underneath. */
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  /** One statement, values bound as parameters ($1, $2, ...). */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
  /** Several statements without parameters (DDL, migrations). */
  exec(sql: string): Promise<void>;
  /**
   * Tells this process's caches (the change bus) of a write made through this handle, once it has
   * committed: at once outside a transaction (the statement has committed), after COMMIT inside
   * one, never after a ROLLBACK.
   */
  announce(change: Change): void;
  /**
   * Whether this handle's transaction has written the type and not committed yet (always false
   * outside a transaction): a cache must not answer for it then, the transaction would not read
   * its own writes.
   */
  wrote(resourceType: string): boolean;
}

/** How busy a connection pool is, as `pg.Pool` counts it. */
export interface PoolUse {
  total: number;
  idle: number;
  /** Queries and transactions waiting for a connection. */
  waiting: number;
}

export interface Database extends Queryable {
  readonly kind: 'pg' | 'pglite';
  /** The pool's use now (PostgreSQL); PGlite has one connection and no pool. */
  poolUse?(): PoolUse;
  /** Committed writes to resources: this process's, and every process's by NOTIFY (change-bus.ts). */
  readonly changes: ChangeBus;
  /** Runs fn inside BEGIN/COMMIT; a throw rolls everything back. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Calls onMessage for every NOTIFY on the channel; resolves once listening. onMissed is called
   * whenever notifications may have been lost: when the listening connection drops, and again
   * once it listens anew (a NOTIFY sent in between reached nobody). A cache drops everything then.
   */
  listen(channel: string, onMessage: (payload: string) => void, onMissed?: () => void): Promise<void>;
  close(): Promise<void>;
}

/** The announcements of one transaction: held until it commits, dropped with it on ROLLBACK. */
export function heldUntilCommit(bus: ChangeBus): Pick<Queryable, 'announce' | 'wrote'> & { release(): void } {
  const held: Change[] = [];
  const types = new Set<string>();
  return {
    announce(change) {
      held.push(change);
      types.add(change.resourceType);
    },
    wrote: (resourceType) => types.has(resourceType),
    /** Call once COMMIT has succeeded: the writes are told in the order they were made. */
    release() {
      for (const change of held) bus.announce(change);
    },
  };
}

/** Outside a transaction every statement commits on its own: its write is told at once. */
export function announcedAtOnce(bus: ChangeBus): Pick<Queryable, 'announce' | 'wrote'> {
  return { announce: (change) => bus.announce(change), wrote: () => false };
}
