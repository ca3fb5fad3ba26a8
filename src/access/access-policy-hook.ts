import type { Queryable } from '../db/database';
import { unprocessable } from '../errors/http-error';
import type { WriteHook } from '../interactions/resource-hooks';
import { compilePolicy } from './compile-policy';
import type { PolicySql } from './compile-policy-sql';
import { PolicyError, type PolicyProblem } from './policy-error';

export interface AccessPolicyHookOptions {
  /**
   * Throws a PolicyError when the query of an sql-engine policy cannot run, e.g.
   * `(sql, q) => checkPolicySql(scratchDatabase(db, q), sql)`. q is the writer's handle: when it is a
   * transaction (a bundle, a conditional write), the check must run on it, not on another
   * connection — PGlite has one, and a pool may have none left while the writer holds a lock.
   */
  checkSql: (sql: PolicySql, q: Queryable) => Promise<void>;
}

/**
 * An AccessPolicy that cannot work (bad regex, schema that does not compile, SQL that does not
 * parse, unknown engine, …) is refused when written, with a 422 naming each problem, instead of
 * being discovered at request time.
 */
export function createAccessPolicyHook(options: AccessPolicyHookOptions): WriteHook {
  return {
    async beforeWrite(resource, { q, id }) {
      const problems: PolicyProblem[] = [];
      try {
        const compiled = compilePolicy({ ...resource, id });
        for (const sql of compiled.sql) {
          try {
            await options.checkSql(sql, q);
          } catch (error) {
            if (!(error instanceof PolicyError)) throw error;
            problems.push(...error.problems);
          }
        }
      } catch (error) {
        if (!(error instanceof PolicyError)) throw error;
        problems.push(...error.problems);
      }
      if (problems.length) {
        throw unprocessable(problems.map((problem) => ({ expression: problem.expression, diagnostics: `This AccessPolicy cannot work: ${problem.message}` })));
      }
      return resource;
    },
  };
}
