import { HttpError } from '../../errors/http-error';
import { mayCallRpc } from '../authorize-rpc-call';
import { mintPolicyToken } from '../policy-token';
import { invalidParams, type ParamProblem, type RpcMethod } from '../rpc-method';
import { isPlainObject } from '../../interactions/prepare-resource';

const DEFAULT_EXPIRES_IN = 3600;
/** A token cannot be revoked (only by deleting every signed-rpc policy, or a key rotation): its life is bounded. */
const MAX_EXPIRES_IN = 30 * 24 * 3600;
const MAX_METHODS = 20;

interface Params {
  methods: Record<string, { params: Record<string, unknown> }>;
  expiresIn: number;
}

/**
 * `lockbox.policy/create-policy-token {methods: {<method>: {params}}, expires_in}` → `{token,
 * expires_in}`: a policy token for exactly these calls, which whoever holds it may make where a
 * signed-rpc policy applies (e.g. a link that lets a patient fill one form). One may grant only
 * calls one may make oneself: each is authorized for the caller first, so the method cannot
 * raise anyone's access.
 */
export const createPolicyTokenMethod: RpcMethod<Params, { token: string; expires_in: number }> = {
  name: 'lockbox.policy/create-policy-token',
  parseParams(params) {
    const problems: ParamProblem[] = [];
    for (const key of Object.keys(params)) {
      if (key !== 'methods' && key !== 'expires_in') problems.push({ expression: `params.${key}`, message: `unknown parameter ${key}: give methods and expires_in (seconds)` });
    }
    const methods: Params['methods'] = {};
    const listed = params.methods;
    if (!isPlainObject(listed) || Object.keys(listed).length === 0 || Object.keys(listed).length > MAX_METHODS) {
      problems.push({ expression: 'params.methods', message: `methods must name 1 to ${MAX_METHODS} methods, each with its params: {"<method>": {"params": {...}}}` });
    } else {
      for (const [name, grant] of Object.entries(listed)) {
        if (!isPlainObject(grant) || (grant.params !== undefined && !isPlainObject(grant.params))) problems.push({ expression: `params.methods.${name}`, message: 'each method is granted as {"params": {...}} (no params: {})' });
        else methods[name] = { params: (grant.params as Record<string, unknown> | undefined) ?? {} };
      }
    }
    const expiresIn = params.expires_in ?? DEFAULT_EXPIRES_IN;
    if (!Number.isInteger(expiresIn) || (expiresIn as number) < 1 || (expiresIn as number) > MAX_EXPIRES_IN) {
      problems.push({ expression: 'params.expires_in', message: `expires_in must be a whole number of seconds from 1 to ${MAX_EXPIRES_IN}` });
    }
    if (problems.length) throw invalidParams(problems);
    return { methods, expiresIn: expiresIn as number };
  },
  async handle(ctx, { methods, expiresIn }) {
    const problems: ParamProblem[] = [];
    for (const name of Object.keys(methods)) {
      if (!ctx.methods.has(name)) problems.push({ expression: `params.methods.${name}`, message: `there is no rpc method ${name}` });
    }
    if (problems.length) throw invalidParams(problems);
    for (const [name, { params }] of Object.entries(methods)) {
      if (!(await mayCallRpc(ctx, ctx.methods.get(name)!, { method: name, params }))) {
        throw new HttpError(403, 'forbidden', `A policy token may grant only calls its minter may make: you may not call ${name} with these params`);
      }
    }
    const { user, client } = ctx.auth;
    const minter = user ? `User/${user.id}` : client ? `Client/${client.id}` : undefined;
    const token = await mintPolicyToken(ctx.services.auth.keys, ctx.services.config.baseUrl, { methods, expiresIn, minter });
    return { token, expires_in: expiresIn };
  },
};
