/**
 * One feed of committed writes to resources, for every cache of this process. Two sources feed it:
 * this process's store, which announces a write once it has committed (src/db/database.ts:
 * `Queryable.announce`), and NOTIFY, which brings every process's writes to the types below
 * (sql/060_change_bus.sql) — this process's own included, so each of its writes is heard twice;
 * forgetting is idempotent, and telling them apart would cost a marker in every write.
 *
 * Why a cache that follows this feed never serves a stale entry:
 * - This process's write is announced after COMMIT and before the interaction returns, so before
 *   its response is written: the next request after the acknowledgement finds the entry gone.
 *   (Forgetting before COMMIT, as write hooks did, let a read in between cache the old row again.)
 * - Another process's write arrives by NOTIFY, which PostgreSQL delivers only after that write's
 *   commit: a read that starts once it has arrived sees the new row.
 * - A read that was under way while a change was announced must not be cached: each cache takes a
 *   generation number before reading and stores the result only if no change arrived meanwhile.
 * - NOTIFY reaches only sessions that are listening when the write commits (PostgreSQL docs,
 *   NOTIFY): when the LISTEN connection drops, and again once it listens anew, every listener is
 *   told it may have missed changes (onMissed) and drops everything.
 */
export interface Change {
  resourceType: string;
  /** Absent when rows of the type changed without being named (TRUNCATE). */
  id?: string;
  op: 'create' | 'update' | 'delete';
}

export interface ChangeListener {
  /** The resource types whose changes this listener hears; each must be one of ANNOUNCED_TYPES. */
  readonly changeTypes: readonly string[];
  /** Must not throw; a listener that throws is treated as having missed the change. */
  onChange(change: Change): void;
  /** Changes may have been lost: drop everything. */
  onMissed(): void;
}

export interface ChangeBus {
  /** Resolves once other processes' changes are heard too (the first subscriber starts the LISTEN). */
  subscribe(listener: ChangeListener): Promise<void>;
  /** Tells every listener of the type; only for committed writes (see Queryable.announce). */
  announce(change: Change): void;
}

/**
 * The types whose writes every process hears of by NOTIFY: those some cache keeps. Each NOTIFY
 * costs its transaction a database-wide lock at commit, so a type joins this list (and gets its
 * trigger in a new migration) only when a cache needs it. New Sessions are never notified: no
 * cache can hold a session that did not exist, and one NOTIFY per token grant would serialize
 * the grants' commits.
 */
export const ANNOUNCED_TYPES: ReadonlySet<string> = new Set(['AccessPolicy', 'Client', 'IdentityProvider', 'Role', 'Session', 'TokenIntrospector', 'User']);

/** The NOTIFY channel of sql/060_change_bus.sql; payload `<op> <Type>/<id>`, or `<op> <Type>` for TRUNCATE. */
export const CHANGE_CHANNEL = 'lockbox_changed';

export type Listen = (channel: string, onMessage: (payload: string) => void, onMissed: () => void) => Promise<void>;

const OPS = new Set<string>(['create', 'update', 'delete']);

/** A NOTIFY payload as a Change; undefined when it is not one of ours. */
export function parseChange(payload: string): Change | undefined {
  const space = payload.indexOf(' ');
  const op = payload.slice(0, space);
  if (space < 0 || !OPS.has(op)) return undefined;
  const target = payload.slice(space + 1);
  const slash = target.indexOf('/');
  if (slash < 0) return { op: op as Change['op'], resourceType: target };
  return { op: op as Change['op'], resourceType: target.slice(0, slash), id: target.slice(slash + 1) };
}

export function createChangeBus(listen: Listen): ChangeBus {
  const byType = new Map<string, ChangeListener[]>();
  const listeners: ChangeListener[] = [];
  let listening: Promise<void> | undefined;

  const tellMissed = (listener: ChangeListener) => {
    try {
      listener.onMissed();
    } catch {
      // Nothing more can be done for it: a listener must not throw.
    }
  };
  const missed = () => listeners.forEach(tellMissed);

  const bus: ChangeBus = {
    async subscribe(listener) {
      for (const type of listener.changeTypes) {
        // A cache of a type no trigger announces would never hear of other processes' writes.
        if (!ANNOUNCED_TYPES.has(type)) throw new Error(`${type} changes are not announced by NOTIFY; add it to ANNOUNCED_TYPES and to the change triggers`);
      }
      listeners.push(listener);
      for (const type of listener.changeTypes) byType.set(type, [...(byType.get(type) ?? []), listener]);
      listening ??= listen(CHANGE_CHANNEL, (payload) => {
        const change = parseChange(payload);
        if (change) bus.announce(change);
        else missed();
      }, missed).catch((error) => {
        listening = undefined;
        throw error;
      });
      await listening;
    },
    announce(change) {
      for (const listener of byType.get(change.resourceType) ?? []) {
        try {
          listener.onChange(change);
        } catch {
          tellMissed(listener);
        }
      }
    },
  };
  return bus;
}
