import { accessDenied } from '../access/authorize-request';
import type { PolicyTokenClaims } from '../access/policy-request';
import { HttpError } from '../errors/http-error';
import { readPolicyToken } from './policy-token';
import type { RpcContext } from './rpc-context';

/**
 * The grant of the policy token a call carries. A token that is not ours, altered, expired or not
 * a policy token refuses the call before any policy runs, as a bad credential would: 401 without
 * other credentials, 403 with them, saying why.
 */
export async function checkPolicyToken(ctx: RpcContext, token: unknown): Promise<PolicyTokenClaims> {
  const read = typeof token === 'string' ? await readPolicyToken(ctx.services.auth.keys, ctx.services.config.baseUrl, token) : { invalid: 'The policy token must be a string' };
  if ('claims' in read) return read.claims;
  const denied = accessDenied(ctx.auth);
  throw new HttpError(denied.status, denied.status === 401 ? 'login' : 'forbidden', read.invalid, undefined, denied.headers);
}
