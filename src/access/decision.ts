/**
 * What one policy says about one request (Ory Keto style: a small value). There are no deny rules:
 * a policy either allows or does not apply, and the absence of any allow is the denial.
 */
export type Effect = 'allow' | 'not-applicable';

/** The first place a matcho pattern did not match: where, what the pattern wanted, what was there. */
export interface Mismatch {
  /** Path in the request, e.g. `jwt.iss` or `body.code[0]`. */
  path: string;
  /** The pattern fragment as written (`'#^/Patient'`, `{ $enum: [...] }`, `'.user.id'`). */
  expected: unknown;
  actual: unknown;
  /** Short reason: `not equal`, `regex does not match`, `.user.id is absent`, … */
  reason: string;
  /** For `$one-of`: why each alternative failed. */
  alternatives?: Mismatch[];
}

export interface Explanation {
  /** One sentence for the debug output. */
  message: string;
  mismatch?: Mismatch;
  /** complex: the sub-decisions in the order they ran (short-circuited ones are absent). */
  results?: Decision[];
}

export interface Decision {
  effect: Effect;
  /** The AccessPolicy id; undefined for the nested rules of a complex policy. */
  policyId: string | undefined;
  engine: string;
  explanation: Explanation;
}
