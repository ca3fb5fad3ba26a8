import pg from 'pg';
import { createChangeBus } from './change-bus';
import { announcedAtOnce, heldUntilCommit, type Database, type Queryable, type QueryResult } from './database';
import { createPgNotifications } from './pg-notifications';

// int8 (txid) as a JS number: versions stay far below 2^53.
pg.types.setTypeParser(20, (value) => Number(value));

/**
 * Statement names per SQL text, so that every repeated query is parsed and planned once per
 * connection (a named prepared statement), as a bare `pg` client would do it.
 */
const statementNames = new Map<string, string>();
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (!name) {
    name = `s${statementNames.size + 1}`;
    statementNames.set(sql, name);
  }
  return name;
}

function queryable(client: pg.Pool | pg.PoolClient): Pick<Queryable, 'query' | 'exec'> {
  return {
    async query<T>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<T>> {
      const result = await client.query({ name: statementName(sql), text: sql, values: params as unknown[] });
      return { rows: result.rows as T[], rowCount: result.rowCount ?? 0 };
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
  };
}

/** How long a request waits for a connection before the database counts as unavailable (503). */
const CONNECT_TIMEOUT_MS = 3000;

export async function openPgDatabase(url: string, poolSize: number): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, keepAliveInitialDelayMillis: 10_000 });
  // An idle client that loses its connection must not crash the process (the pool drops it).
  pool.on('error', () => undefined);
  await pool.query('select 1');
  const notifications = createPgNotifications(url);
  const changes = createChangeBus((channel, onMessage, onMissed) => notifications.listen(channel, onMessage, onMissed));
  return {
    kind: 'pg',
    changes,
    poolUse: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    ...queryable(pool),
    ...announcedAtOnce(changes),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      // pg-pool stops listening for 'error' on a client it hands out. A connection that dies while
      // the transaction waits between statements (a bcrypt compare, a provider's userinfo) emits
      // 'error' with no query to take it, which would end the process: remember it instead, and
      // give the client back as broken so the pool drops it.
      let lost: Error | undefined;
      const onError = (error: Error) => {
        lost = error;
      };
      client.on('error', onError);
      let broken = false;
      const writes = heldUntilCommit(changes);
      let result: T;
      let committed = false;
      try {
        await client.query('begin');
        result = await fn({ ...queryable(client), ...writes });
        // COMMIT of a transaction that a caught error aborted answers ROLLBACK, without an error.
        committed = (await client.query('commit')).command === 'COMMIT';
      } catch (error) {
        await client.query('rollback').catch(() => {
          broken = true;
        });
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken || lost !== undefined);
      }
      // COMMIT answered ROLLBACK: an error inside was caught and swallowed. Nothing was written, so
      // nothing may be acknowledged either.
      if (!committed) throw new Error('The transaction was rolled back at COMMIT: an error inside it was caught');
      // Committed, and the caller has not answered yet: the next request finds the caches told.
      writes.release();
      return result;
    },
    listen: (channel, onMessage, onMissed) => notifications.listen(channel, onMessage, onMissed),
    async close(): Promise<void> {
      await notifications.close();
      await pool.end();
    },
  };
}
