import { unprocessable } from '../errors/http-error';
import type { WriteHook } from '../interactions/resource-hooks';
import { signInProblems } from './sign-in-problems';

/**
 * An IdentityProvider that sign-in cannot use (no client.id, no issuer, a key it cannot sign
 * with, …) is refused when written, with a 422 naming each problem, instead of failing the first
 * person who tries it. Runs after the omitted secrets are restored, so an update that leaves out
 * client.private-key is judged with the stored one.
 */
export const identityProviderHook: WriteHook = {
  async beforeWrite(resource) {
    const problems = signInProblems(resource);
    if (problems.length) {
      throw unprocessable(problems.map((problem) => ({ expression: `IdentityProvider.${problem.field}`, diagnostics: `This IdentityProvider cannot sign people in: ${problem.field} ${problem.message}` })));
    }
    return resource;
  },
};
