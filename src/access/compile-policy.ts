import type { PolicySql } from './compile-policy-sql';
import type { Decision } from './decision';
import { unusableRule, type Rule } from './policy-engine';
import { POLICY_ENGINES } from './policy-engines';
import { PolicyError, type PolicyProblem } from './policy-error';
import type { PolicyRequest } from './policy-request';
import type { PolicyRuntime } from './policy-runtime';

export type { PolicyRuntime } from './policy-runtime';

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

const LINK_TYPES = new Set(['User', 'Client', 'Operation']);
const ENGINE_NAMES = [...POLICY_ENGINES.keys()].join(', ');

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
  const known = POLICY_ENGINES.get(engine)?.mayRead;
  if (known) return known;
  const text = JSON.stringify(policy);
  if (UNNAMED_PROPERTIES.test(text)) return () => true;
  return (key) => text.includes(key);
}

/** One rule (the policy, or a nested rule of a complex one) by the engine it names. */
function compileRule(config: Record<string, unknown>, at: string, policyId: string | undefined, problems: PolicyProblem[], sql: PolicySql[]): Rule {
  const engine = config.engine;
  if (engine !== 'complex' && (config.and !== undefined || config.or !== undefined)) {
    problems.push({ expression: `${at}.${config.and !== undefined ? 'and' : 'or'}`, message: `and/or are read only by the complex engine, but engine is ${JSON.stringify(engine ?? null)}` });
  }
  const found = typeof engine === 'string' ? POLICY_ENGINES.get(engine) : undefined;
  if (found) {
    // Nested rules carry no policy id: the policy's own decision names it.
    return found.compile({ config, at, policyId, problems, sql, compileRule: (nested, nestedAt) => compileRule(nested, nestedAt, undefined, problems, sql) });
  }
  if (engine === undefined) problems.push({ expression: `${at}.engine`, message: `engine is required: one of ${ENGINE_NAMES}` });
  else if (engine === 'clj') problems.push({ expression: `${at}.engine`, message: 'the clj engine is deprecated and not supported; use matcho, json-schema, sql or complex' });
  else problems.push({ expression: `${at}.engine`, message: `unknown engine ${JSON.stringify(engine)}: use one of ${ENGINE_NAMES}` });
  return unusableRule(String(engine), policyId);
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
