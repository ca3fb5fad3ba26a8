import type { PolicySql } from './compile-policy-sql';
import type { Decision, Explanation } from './decision';
import type { PolicyProblem } from './policy-error';
import type { PolicyRequest } from './policy-request';
import type { PolicyRuntime } from './policy-runtime';

/** A compiled rule: the whole policy, or one rule of a complex policy's and/or list. */
export interface Rule {
  engine: string;
  /** True when evaluate returns a promise (an sql rule somewhere in it); false: always a Decision. */
  isAsync: boolean;
  evaluate(request: PolicyRequest, runtime: PolicyRuntime | undefined): Decision | Promise<Decision>;
}

/** What an engine compiles: one rule's configuration and where its problems and queries go. */
export interface RuleInput {
  /** The policy, or a nested rule of a complex policy. */
  config: Record<string, unknown>;
  /** Where config sits, for problems: `AccessPolicy`, `AccessPolicy.or[1]`. */
  at: string;
  /** The AccessPolicy id; undefined for the nested rules of a complex policy. */
  policyId: string | undefined;
  /** Every problem found is pushed here (compilePolicy throws them all at once). */
  problems: PolicyProblem[];
  /** Every sql.query compiled, for checkPolicySql when the policy is written. */
  sql: PolicySql[];
  /** Compiles a nested rule with its own engine (complex). */
  compileRule(config: Record<string, unknown>, at: string): Rule;
}

/**
 * One AccessPolicy engine: compiles a rule once, when the policy is written or loaded, into a pure
 * function of the request. Problems are collected, not thrown, so that a 422 lists them all.
 * Registered by name in policy-engines.ts.
 */
export interface PolicyEngine {
  /** The value of `engine` that selects it. */
  readonly name: string;
  compile(input: RuleInput): Rule;
  /**
   * Whether a policy of this engine might read this key of the request (see CompiledPolicy.mayRead).
   * Absent: any mention of the key anywhere in the policy counts.
   */
  mayRead?(key: string): boolean;
}

/** The decisions a rule gives, with its engine and policy id filled in. */
export function decisionsOf(engine: string, policyId: string | undefined) {
  return {
    allow: (message: string, extra?: Omit<Explanation, 'message'>): Decision => ({ effect: 'allow', policyId, engine, explanation: { message, ...extra } }),
    notApplicable: (message: string, extra?: Omit<Explanation, 'message'>): Decision => ({ effect: 'not-applicable', policyId, engine, explanation: { message, ...extra } }),
  };
}

/** A rule that cannot work (its problems are already listed): it never allows. */
export function unusableRule(engine: string, policyId: string | undefined): Rule {
  const decision = decisionsOf(engine, policyId).notApplicable('unusable');
  return { engine, isAsync: false, evaluate: () => decision };
}

/** A rule whose answer never depends on the request: one Decision object, made once. */
export function constantRule(decision: Decision): Rule {
  return { engine: decision.engine, isAsync: false, evaluate: () => decision };
}
