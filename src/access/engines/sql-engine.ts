import { compilePolicySql } from '../compile-policy-sql';
import { decisionsOf, unusableRule, type PolicyEngine } from '../policy-engine';

const DEFAULT_SQL_TIMEOUT_MS = 1000;

/**
 * Allows a request when `sql.query` returns true; request values are bound as parameters, the
 * query runs read-only with a statement timeout (compile-policy-sql.ts).
 */
export const sqlEngine: PolicyEngine = {
  name: 'sql',
  compile({ config, at, policyId, problems, sql }) {
    const query = typeof config.sql === 'object' && config.sql !== null ? (config.sql as Record<string, unknown>).query : undefined;
    const compiled = compilePolicySql(query, `${at}.sql.query`, problems);
    if (!compiled) return unusableRule('sql', policyId);
    sql.push(compiled.sql);
    const decide = decisionsOf('sql', policyId);
    return {
      engine: 'sql',
      isAsync: true,
      async evaluate(request, runtime) {
        if (!runtime?.db) return decide.notApplicable('no database was given to run the query');
        const outcome = await compiled.run(request, runtime.db, runtime.sqlTimeoutMs ?? DEFAULT_SQL_TIMEOUT_MS);
        return outcome.allowed ? decide.allow(outcome.message) : decide.notApplicable(outcome.message);
      },
    };
  },
};
