import type { Database } from '../db/database';
import { isDatabaseUnavailable } from '../db/is-database-unavailable';
import { compileRequestPath, type RequestPath } from './compile-request-path';
import type { PolicyProblem } from './policy-error';

/** The compiled form of one `sql.query`, as checkPolicySql needs it. */
export interface PolicySql {
  /** Where it sits in the policy, e.g. `AccessPolicy.and[1].sql.query`. */
  expression: string;
  /** The query with `{{path}}` as `$n::text` and every `{{!path}}` as a placeholder identifier. */
  checkText: string;
  paramCount: number;
  /** With `{{!path}}` the tables are only known per request, so a check cannot resolve them. */
  hasIdentifiers: boolean;
}

export interface SqlOutcome {
  allowed: boolean;
  message: string;
}

export interface CompiledPolicySql {
  sql: PolicySql;
  /** An error, a timeout or a bad identifier is a "no" with the reason; only an unreachable database throws. */
  run(request: unknown, db: Database, timeoutMs: number): Promise<SqlOutcome>;
}

const PLACEHOLDER = /\{\{(!?)\s*([^{}]*?)\s*\}\}/g;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const CHECK_IDENTIFIER = '"lockbox_policy_identifier"';

/**
 * Compiles an sql-engine query once. `{{path}}` becomes a bound parameter (`$n::text`: every value
 * travels as text, objects as JSON, absent as NULL; cast it for other types), so request values
 * never become SQL text. `{{!path}}` is an identifier (a table name): its value must match
 * `^[A-Za-z_][A-Za-z0-9_]*$` and is lower-cased and double-quoted, as the reference does.
 */
export function compilePolicySql(query: unknown, expression: string, problems: PolicyProblem[]): CompiledPolicySql | undefined {
  if (typeof query !== 'string' || query.trim() === '') {
    problems.push({ expression, message: 'the sql engine needs the query text in sql.query' });
    return undefined;
  }
  if (/\$\d/.test(query)) {
    problems.push({ expression, message: 'write request values as {{path}}, not as $1, $2, …: the parameters are numbered by the server' });
    return undefined;
  }
  const texts: string[] = [];
  const identifiers: RequestPath[] = [];
  const params: RequestPath[] = [];
  const paramIndex = new Map<string, number>();
  let last = 0;
  let current = '';
  for (const match of query.matchAll(PLACEHOLDER)) {
    current += query.slice(last, match.index);
    last = match.index + match[0].length;
    const [, bang, path] = match;
    let read: RequestPath;
    try {
      read = compileRequestPath(path);
    } catch (error) {
      problems.push({ expression, message: `${match[0]}: ${(error as Error).message}` });
      continue;
    }
    if (bang) {
      texts.push(current);
      current = '';
      identifiers.push(read);
    } else {
      let index = paramIndex.get(path);
      if (index === undefined) {
        params.push(read);
        index = params.length;
        paramIndex.set(path, index);
      }
      current += `($${index}::text)`;
    }
  }
  texts.push(current + query.slice(last));
  if (/\{\{|\}\}/.test(texts.join(''))) problems.push({ expression, message: 'an unbalanced {{ or }} is left in the query' });

  const fixedText = identifiers.length ? undefined : texts[0];
  const sql: PolicySql = { expression, checkText: texts.join(CHECK_IDENTIFIER), paramCount: params.length, hasIdentifiers: identifiers.length > 0 };

  return {
    sql,
    async run(request, db, timeoutMs) {
      let text = fixedText;
      if (text === undefined) {
        text = texts[0];
        for (let i = 0; i < identifiers.length; i++) {
          const name = identifiers[i](request);
          if (typeof name !== 'string' || !IDENTIFIER.test(name)) {
            return { allowed: false, message: `identifier ${JSON.stringify(name ?? null)} is absent or not a plain name` };
          }
          text += `"${name.toLowerCase()}"${texts[i + 1]}`;
        }
      }
      const values = params.map((read) => toParameter(read(request)));
      try {
        const rows = await db.transaction(async (tx) => {
          await tx.query('set transaction read only');
          await tx.query(`select set_config('statement_timeout', $1, true)`, [String(timeoutMs)]);
          return (await tx.query(text!, values)).rows;
        });
        if (rows.length !== 1) return { allowed: false, message: `the query returned ${rows.length} rows; it must return exactly one` };
        const first = Object.values(rows[0])[0];
        return first === true ? { allowed: true, message: 'the query returned true' } : { allowed: false, message: `the query returned ${JSON.stringify(first)}` };
      } catch (error) {
        // No database is no answer either: the request fails as unavailable (503), not denied (403).
        if (isDatabaseUnavailable(error)) throw error;
        const code = (error as { code?: string }).code;
        if (code === '57014') return { allowed: false, message: `the query was cancelled after ${timeoutMs} ms` };
        return { allowed: false, message: `the query failed: ${(error as Error).message}` };
      }
    },
  };
}

function toParameter(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
