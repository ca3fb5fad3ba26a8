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
}

export interface Database extends Queryable {
  readonly kind: 'pg' | 'pglite';
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
