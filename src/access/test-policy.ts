import type { AuthContext } from '../auth/auth-context';
import { badRequest, HttpError, unprocessable } from '../errors/http-error';
import type { Services } from '../interactions/interaction-context';
import { accessDenied } from './authorize-request';
import { compilePolicy } from './compile-policy';
import type { Decision } from './decision';
import { PolicyError } from './policy-error';
import type { PolicyRequest } from './policy-request';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * POST /auth/test-policy {policy, request}: how a policy (not saved) judges a made-up request.
 * For administrators, or anyone on a development server; never executes the request.
 */
export async function testPolicy(services: Services, auth: AuthContext, body: unknown): Promise<{ decision: Decision }> {
  const isAdmin = auth.user?.id === 'admin' || (!auth.user && auth.client?.id === 'root');
  if (!services.config.devMode && !isAdmin) throw accessDenied(auth.user || auth.client ? auth : {});
  if (!isObject(body) || !isObject(body.policy) || !isObject(body.request)) {
    throw badRequest('The body must be {"policy": {...AccessPolicy}, "request": {...as a policy sees it}}');
  }
  let compiled;
  try {
    compiled = compilePolicy({ ...body.policy, id: typeof body.policy.id === 'string' ? body.policy.id : 'test-policy' });
  } catch (error) {
    if (error instanceof PolicyError) throw unprocessable(error.problems.map((problem) => ({ expression: problem.expression, diagnostics: problem.message })));
    throw error;
  }
  // An sql policy runs a query of the caller's choosing: on a development server too, only an
  // administrator may try one (it would read any table, password hashes included).
  if (compiled.sql.length && !isAdmin) throw new HttpError(403, 'forbidden', 'Only an administrator may test an sql policy');
  const request = { params: {}, headers: {}, 'request-method': 'get', uri: '/', ...body.request } as PolicyRequest;
  try {
    return { decision: await compiled.evaluate(request, { db: services.db }) };
  } catch (error) {
    throw new HttpError(422, 'processing', `The policy could not be evaluated: ${(error as Error).message}`);
  }
}
