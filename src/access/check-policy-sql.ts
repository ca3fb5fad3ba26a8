import type { Database } from '../db/database';
import type { PolicySql } from './compile-policy-sql';
import { PolicyError } from './policy-error';

const ROLLBACK = Symbol('rollback');
const UNDEFINED_TABLE = '42P01';

/**
 * Throws a PolicyError when an sql-engine query cannot run: PostgreSQL parses and plans it with
 * EXPLAIN (which does not execute it) in a read-only transaction that is always rolled back.
 * A plan that writes or locks rows is refused too: a policy query only reads.
 * With `{{!path}}` identifiers the tables are only known per request, so an unknown table is
 * accepted there; syntax errors are still found.
 */
export async function checkPolicySql(db: Database, sql: PolicySql): Promise<void> {
  let problem: string | undefined;
  try {
    await db.transaction(async (tx) => {
      await tx.query('set transaction read only');
      await tx.query(`select set_config('statement_timeout', $1, true)`, ['5000']);
      const { rows } = await tx.query(`explain (format json) ${sql.checkText}`, new Array(sql.paramCount).fill(null));
      const plan = Object.values(rows[0] ?? {})[0];
      const text = typeof plan === 'string' ? plan : JSON.stringify(plan);
      if (/"Node Type":\s*"(ModifyTable|LockRows)"/.test(text)) problem = 'the query writes or locks rows; a policy query may only read';
      throw ROLLBACK;
    });
  } catch (error) {
    if (error !== ROLLBACK) {
      const code = (error as { code?: string }).code;
      if (!(sql.hasIdentifiers && code === UNDEFINED_TABLE)) problem = `PostgreSQL cannot run the query: ${(error as Error).message}`;
    }
  }
  if (problem) throw new PolicyError([{ expression: sql.expression, message: problem }]);
}
