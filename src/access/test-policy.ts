import type { Database } from '../db/database';
import { HttpError, unprocessable } from '../errors/http-error';
import { compilePolicy } from './compile-policy';
import type { Decision } from './decision';
import { PolicyError } from './policy-error';
import type { PolicyRequest } from './policy-request';

/**
 * How a policy (not saved) judges a made-up request; never executes the request. The rpc method
 * `lockbox.policy/test` (and its alias POST /auth/test-policy) decides who may ask.
 */
export async function testPolicy(db: Database, asAdministrator: boolean, policy: Record<string, unknown>, request: Record<string, unknown>): Promise<{ decision: Decision }> {
  let compiled;
  try {
    compiled = compilePolicy({ ...policy, id: typeof policy.id === 'string' ? policy.id : 'test-policy' });
  } catch (error) {
    if (error instanceof PolicyError) throw unprocessable(error.problems.map((problem) => ({ expression: problem.expression, diagnostics: problem.message })));
    throw error;
  }
  // An sql policy runs a query of the caller's choosing: whoever else may use the tester (anyone on a
  // development server, anyone a policy lets), only an administrator may try one — it would read
  // any table, password hashes included.
  if (compiled.sql.length && !asAdministrator) throw new HttpError(403, 'forbidden', 'Only an administrator may test an sql policy');
  const seen = { params: {}, headers: {}, 'request-method': 'get', uri: '/', ...request } as PolicyRequest;
  try {
    return { decision: await compiled.evaluate(seen, { db }) };
  } catch (error) {
    throw new HttpError(422, 'processing', `The policy could not be evaluated: ${(error as Error).message}`);
  }
}
