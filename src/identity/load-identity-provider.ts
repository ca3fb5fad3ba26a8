import type { Queryable } from '../db/database';
import type { IdentityProviderResource } from './load-introspectors';
import { SignInError } from './sign-in-error';

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

/** The active IdentityProvider people can sign in with; 404 for an unknown or inactive one. */
export async function loadIdentityProvider(db: Queryable, id: string): Promise<SignInProvider> {
  const { rows } = await db.query<SignInProvider>('select id, resource from identityprovider where id = $1', [id]);
  const provider = rows[0];
  if (!provider || provider.resource.active === false) throw new SignInError(404, 'unknown-provider', `there is no active IdentityProvider ${id}`);
  return provider;
}
