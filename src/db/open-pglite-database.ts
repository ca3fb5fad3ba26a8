import { PGlite, type Transaction } from '@electric-sql/pglite';
import { createChangeBus } from './change-bus';
import { announcedAtOnce, heldUntilCommit, type Database, type Queryable, type QueryResult } from './database';

/**
 * PGlite is one backend: a query issued while another caller's transaction is open would run inside
 * that transaction. A FIFO lock makes every query and every transaction take turns.
 */
function createLock() {
  let tail: Promise<unknown> = Promise.resolve();
  return function withLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

function queryable(target: PGlite | Transaction): Pick<Queryable, 'query' | 'exec'> {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const result = await target.query<T>(sql, params as unknown[]);
      return { rows: result.rows, rowCount: result.affectedRows ?? result.rows.length };
    },
    async exec(sql: string): Promise<void> {
      await target.exec(sql);
    },
  };
}

/** dataDir undefined = in memory (tests); otherwise a directory on disk. */
export async function openPgliteDatabase(dataDir?: string): Promise<Database> {
  const db = dataDir ? new PGlite(dataDir) : new PGlite();
  await db.waitReady;
  const withLock = createLock();
  const direct = queryable(db);
  // One process owns a PGlite directory: nothing is ever missed, onMissed is never called.
  const listen = async (channel: string, onMessage: (payload: string) => void): Promise<void> => {
    await withLock(() => db.listen(channel, onMessage));
  };
  const changes = createChangeBus(listen);
  return {
    kind: 'pglite',
    changes,
    query: (sql, params) => withLock(() => direct.query(sql, params)),
    exec: (sql) => withLock(() => direct.exec(sql)),
    ...announcedAtOnce(changes),
    async transaction(fn) {
      const writes = heldUntilCommit(changes);
      const result = await withLock(() => db.transaction((tx) => fn({ ...queryable(tx), ...writes })));
      writes.release();
      return result;
    },
    listen,
    async close(): Promise<void> {
      await withLock(() => db.close());
    },
  };
}
