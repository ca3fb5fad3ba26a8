import type { Database } from '../db/database';
import { compileJsonSchema } from './compile-json-schema';
import { compileMatcho } from './compile-matcho';
import { compilePolicySql, type PolicySql } from './compile-policy-sql';
import type { Decision } from './decision';
import { PolicyError, type PolicyProblem } from './policy-error';
import type { PolicyRequest } from './policy-request';

/** What evaluation may need besides the request: only the sql engine uses it. */
export interface PolicyRuntime {
  /** Where sql-engine queries run (each in a read-only transaction of its own). */
  db?: Database;
  /** statement_timeout for sql-engine queries; 1000 ms unless given. */
  sqlTimeoutMs?: number;
}

export interface PolicyLink {
  resourceType: 'User' | 'Client' | 'Operation';
  id: string;
}

export interface CompiledPolicy {
  readonly id: string | undefined;
  readonly engine: string;
  readonly links: readonly PolicyLink[];
  readonly roleName: string | undefined;
  /** Every sql.query of the policy (nested ones included), for checkPolicySql when it is written. */
  readonly sql: readonly PolicySql[];
  /** True when evaluate returns a promise (an sql rule somewhere in it); false: always a Decision. */
  readonly isAsync: boolean;
  /**
   * Whether the policy might read this key of the request (`body`, `params`, …). Conservative: a
   * mention anywhere in the policy counts, and a json-schema rule that constrains properties it
   * does not name reads everything. False means its decision cannot depend on that key.
   */
  mayRead(key: string): boolean;
  evaluate(request: PolicyRequest, runtime?: PolicyRuntime): Decision | Promise<Decision>;
}

interface Rule {
  engine: string;
  isAsync: boolean;
  evaluate(request: PolicyRequest, runtime: PolicyRuntime | undefined): Decision | Promise<Decision>;
}

const LINK_TYPES = new Set(['User', 'Client', 'Operation']);
const NOT_YET = new Map([
  ['rpc', 'RPC endpoints'],
  ['matcho-rpc', 'RPC endpoints'],
  ['allow-rpc', 'RPC endpoints'],
  ['signed-rpc', 'RPC endpoints'],
  ['smart-on-fhir', 'SMART on FHIR'],
]);
const ENGINES = ['allow', 'matcho', 'json-schema', 'sql', 'complex', ...NOT_YET.keys()];
const DEFAULT_SQL_TIMEOUT_MS = 1000;

/**
 * Compiles an AccessPolicy (stored format) once, when it is written or loaded: patterns become
 * closures, regular expressions and schemas are built here and never per request. Pure: no I/O
 * (the SQL of sql-engine policies is checked against the database by checkPolicySql).
 * Throws a PolicyError listing every problem when the policy cannot work.
 */
export function compilePolicy(policy: Record<string, unknown>): CompiledPolicy {
  const problems: PolicyProblem[] = [];
  const sql: PolicySql[] = [];
  const id = typeof policy.id === 'string' ? policy.id : undefined;
  const links = parseLinks(policy.link, problems);
  const roleName = policy.roleName;
  if (roleName !== undefined && (typeof roleName !== 'string' || roleName === '')) problems.push({ expression: 'AccessPolicy.roleName', message: 'roleName must be a non-empty string' });
  const rule = compileRule(policy, 'AccessPolicy', id, problems, sql);
  if (problems.length) throw new PolicyError(problems);
  return {
    id,
    engine: rule.engine,
    links,
    roleName: roleName as string | undefined,
    sql,
    isAsync: rule.isAsync,
    mayRead: mayReadOf(policy, rule.engine),
    evaluate: rule.evaluate,
  };
}

/** JSON Schema keywords that constrain properties without naming them. */
const UNNAMED_PROPERTIES = /"(additionalProperties|patternProperties|propertyNames|minProperties|maxProperties|unevaluatedProperties|dependentRequired|dependentSchemas|dependencies|\$ref|\$dynamicRef)"/;

function mayReadOf(policy: Record<string, unknown>, engine: string): (key: string) => boolean {
  if (engine === 'allow') return () => false;
  const text = JSON.stringify(policy);
  if (UNNAMED_PROPERTIES.test(text)) return () => true;
  return (key) => text.includes(key);
}

function compileRule(config: Record<string, unknown>, at: string, policyId: string | undefined, problems: PolicyProblem[], sql: PolicySql[]): Rule {
  const engine = config.engine;
  const notApplicable = (message: string): Decision => ({ effect: 'not-applicable', policyId, engine: String(engine), explanation: { message } });
  const allowed = (message: string): Decision => ({ effect: 'allow', policyId, engine: String(engine), explanation: { message } });
  const unusable: Rule = { engine: String(engine), isAsync: false, evaluate: () => notApplicable('unusable') };

  if (engine !== 'complex' && (config.and !== undefined || config.or !== undefined)) {
    problems.push({ expression: `${at}.${config.and !== undefined ? 'and' : 'or'}`, message: `and/or are read only by the complex engine, but engine is ${JSON.stringify(engine ?? null)}` });
  }
  switch (engine) {
    case 'allow': {
      const decision = allowed('the allow engine allows every request');
      return { engine, isAsync: false, evaluate: () => decision };
    }
    case 'matcho': {
      if (typeof config.matcho !== 'object' || config.matcho === null || Array.isArray(config.matcho)) {
        problems.push({ expression: `${at}.matcho`, message: 'the matcho engine needs a pattern object in matcho' });
        return unusable;
      }
      const matcher = compileMatcho(config.matcho, `${at}.matcho`, problems);
      const decision = allowed('the request matches the pattern');
      return {
        engine,
        isAsync: false,
        evaluate(request) {
          const mismatch = matcher(request, request);
          if (!mismatch) return decision;
          return { effect: 'not-applicable', policyId, engine, explanation: { message: `${mismatch.path}: ${mismatch.reason}`, mismatch } };
        },
      };
    }
    case 'json-schema': {
      const check = compileJsonSchema(config.schema, `${at}.schema`, problems);
      const decision = allowed('the request is valid against the schema');
      return {
        engine,
        isAsync: false,
        evaluate(request) {
          const mismatch = check(request);
          if (!mismatch) return decision;
          return { effect: 'not-applicable', policyId, engine, explanation: { message: `${mismatch.path}: ${mismatch.reason}`, mismatch } };
        },
      };
    }
    case 'sql': {
      const query = typeof config.sql === 'object' && config.sql !== null ? (config.sql as Record<string, unknown>).query : undefined;
      const compiled = compilePolicySql(query, `${at}.sql.query`, problems);
      if (!compiled) return unusable;
      sql.push(compiled.sql);
      return {
        engine,
        isAsync: true,
        async evaluate(request, runtime) {
          if (!runtime?.db) return notApplicable('no database was given to run the query');
          const outcome = await compiled.run(request, runtime.db, runtime.sqlTimeoutMs ?? DEFAULT_SQL_TIMEOUT_MS);
          return outcome.allowed ? allowed(outcome.message) : notApplicable(outcome.message);
        },
      };
    }
    case 'complex':
      return compileComplex(config, at, policyId, problems, sql);
    case 'clj':
      problems.push({ expression: `${at}.engine`, message: 'the clj engine is deprecated and not supported; use matcho, json-schema, sql or complex' });
      return unusable;
    case undefined:
      problems.push({ expression: `${at}.engine`, message: `engine is required: one of ${ENGINES.join(', ')}` });
      return unusable;
  }
  const awaited = typeof engine === 'string' ? NOT_YET.get(engine) : undefined;
  if (awaited) {
    const decision = notApplicable(`the ${engine} engine applies to ${awaited}, which this server does not offer yet`);
    return { engine: engine as string, isAsync: false, evaluate: () => decision };
  }
  problems.push({ expression: `${at}.engine`, message: `unknown engine ${JSON.stringify(engine)}: use one of ${ENGINES.join(', ')}` });
  return unusable;
}

/**
 * `and`: rules run in order and stop at the first that does not allow; allows when all allow.
 * `or`: rules run in order and stop at the first that allows; does not apply when none allows.
 * Either way the result is the effect of the last rule that ran, and `results` lists the rules that
 * ran (the short-circuited ones are absent). A rule that errors (sql) counts as not allowing.
 */
function compileComplex(config: Record<string, unknown>, at: string, policyId: string | undefined, problems: PolicyProblem[], sql: PolicySql[]): Rule {
  if (config.and !== undefined && config.or !== undefined) {
    problems.push({ expression: at, message: 'the complex engine takes and or or at one level, not both; nest a complex rule to combine them' });
    return { engine: 'complex', isAsync: false, evaluate: () => ({ effect: 'not-applicable', policyId, engine: 'complex', explanation: { message: 'unusable' } }) };
  }
  const kind = config.and !== undefined ? 'and' : 'or';
  const list = config[kind];
  if (!Array.isArray(list) || list.length === 0) {
    if (config.and === undefined && config.or === undefined) problems.push({ expression: at, message: 'the complex engine needs an and or an or list of rules' });
    else problems.push({ expression: `${at}.${kind}`, message: `${kind} must be a non-empty list of rules` });
    return { engine: 'complex', isAsync: false, evaluate: () => ({ effect: 'not-applicable', policyId, engine: 'complex', explanation: { message: 'unusable' } }) };
  }
  const rules = list.map((item, i) => {
    const expression = `${at}.${kind}[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      problems.push({ expression, message: 'each rule is an object with its own engine' });
      return undefined;
    }
    return compileRule(item as Record<string, unknown>, expression, undefined, problems, sql);
  });
  const compiled = rules.filter((rule): rule is Rule => rule !== undefined);
  const stopAt = kind === 'and' ? 'not-applicable' : 'allow';
  const decide = (results: Decision[]): Decision => {
    const last = results[results.length - 1];
    const index = results.length - 1;
    const message =
      kind === 'and'
        ? last.effect === 'allow' ? `all ${compiled.length} rules allow` : `rule ${index} does not allow`
        : last.effect === 'allow' ? `rule ${index} allows` : `none of the ${compiled.length} rules allows`;
    return { effect: last.effect, policyId, engine: 'complex', explanation: { message, results } };
  };
  const isAsync = compiled.some((rule) => rule.isAsync);
  if (!isAsync) {
    return {
      engine: 'complex',
      isAsync,
      evaluate(request, runtime) {
        const results: Decision[] = [];
        for (const rule of compiled) {
          const result = rule.evaluate(request, runtime) as Decision;
          results.push(result);
          if (result.effect === stopAt) break;
        }
        return decide(results);
      },
    };
  }
  return {
    engine: 'complex',
    isAsync,
    async evaluate(request, runtime) {
      const results: Decision[] = [];
      for (const rule of compiled) {
        const result = await rule.evaluate(request, runtime);
        results.push(result);
        if (result.effect === stopAt) break;
      }
      return decide(results);
    },
  };
}

/** `link` items: stored references `{resourceType, id}` (a FHIR `{reference: 'User/x'}` is read too). */
function parseLinks(link: unknown, problems: PolicyProblem[]): PolicyLink[] {
  if (link === undefined) return [];
  if (!Array.isArray(link)) {
    problems.push({ expression: 'AccessPolicy.link', message: 'link must be a list of references to User, Client or Operation' });
    return [];
  }
  const links: PolicyLink[] = [];
  link.forEach((item, i) => {
    const value = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    let { resourceType, id } = value;
    if (typeof value.reference === 'string') [resourceType, id] = value.reference.split('/');
    if (typeof resourceType === 'string' && LINK_TYPES.has(resourceType) && typeof id === 'string' && id !== '') {
      links.push({ resourceType: resourceType as PolicyLink['resourceType'], id });
    } else {
      problems.push({ expression: `AccessPolicy.link[${i}]`, message: 'a link must reference a User, Client or Operation by id' });
    }
  });
  return links;
}
