/** One reason an AccessPolicy cannot work, with the element it is about (`AccessPolicy.matcho.uri`). */
export interface PolicyProblem {
  expression: string;
  message: string;
}

/** Thrown by compilePolicy (and checkPolicySql) with every problem found, not just the first. */
export class PolicyError extends Error {
  constructor(readonly problems: PolicyProblem[]) {
    super(problems.map((problem) => `${problem.expression}: ${problem.message}`).join('; '));
    this.name = 'PolicyError';
  }
}
