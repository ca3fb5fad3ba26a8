import type { Queryable } from '../db/database';
import type { IdentityProviderResource } from './load-introspectors';
import { SignInError } from './sign-in-error';
import { signInProblems } from './sign-in-problems';

export interface SignInProvider {
  id: string;
  resource: IdentityProviderResource & {
    authorize_endpoint?: string;
    token_endpoint?: string;
    jwks_uri?: string;
    base_url?: string;
    scopes?: string[];
    kid?: string;
    isEmailUniqueness?: boolean;
    client?: { id?: string; secret?: string; redirect_uri?: string; 'auth-method'?: 'symmetric' | 'asymmetric'; 'private-key'?: string };
  };
}

/**
 * The active IdentityProvider people can sign in with; 404 for an unknown or inactive one, and for
 * one that does not sign people in or cannot (a row written before writes were checked, or by SQL).
 */
export async function loadIdentityProvider(db: Queryable, id: string): Promise<SignInProvider> {
  const { rows } = await db.query<SignInProvider>('select id, resource from identityprovider where id = $1', [id]);
  const provider = rows[0];
  if (!provider || provider.resource.active === false) throw new SignInError(404, 'unknown-provider', `there is no active IdentityProvider ${id}`);
  if (provider.resource.authorize_endpoint === undefined) throw new SignInError(404, 'unknown-provider', `IdentityProvider ${id} does not sign people in`);
  const problems = signInProblems(provider.resource);
  if (problems.length) {
    throw new SignInError(404, 'misconfigured', `IdentityProvider ${id} cannot sign people in: ${problems.map((problem) => `${problem.field} ${problem.message}`).join('; ')}`);
  }
  return provider;
}
