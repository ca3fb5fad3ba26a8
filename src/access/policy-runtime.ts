import type { Database } from '../db/database';

/** What evaluation may need besides the request: only the sql engine uses it. */
export interface PolicyRuntime {
  /** Where sql-engine queries run (each in a read-only transaction of its own). */
  db?: Database;
  /** statement_timeout for sql-engine queries; 1000 ms unless given. */
  sqlTimeoutMs?: number;
}
