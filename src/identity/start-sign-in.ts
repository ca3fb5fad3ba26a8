import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database';
import type { SignInProvider } from './load-identity-provider';
import { SignInError } from './sign-in-error';

export interface StartedSignIn {
  /** The provider's authorization endpoint with our request. */
  location: string;
  /** To bind the callback to this browser (a cookie): RFC 9700 §4.7.1. */
  state: string;
}

const random = () => randomBytes(32).toString('base64url');
export const hashState = (state: string) => createHash('sha256').update(state).digest('base64url');

/**
 * The authorization request of OIDC Core §3.1.2.1 with `state` (RFC 6749 §10.12), `nonce`
 * (OIDC Core §15.5.2) and PKCE S256 (RFC 7636), all three kept server-side until the callback.
 */
export async function startSignIn(db: Queryable, provider: SignInProvider, options: { baseUrl: string; returnTo: string; ttlSec: number }): Promise<StartedSignIn> {
  const { resource } = provider;
  if (!resource.authorize_endpoint || !resource.client?.id) {
    throw new SignInError(500, 'misconfigured', `IdentityProvider ${provider.id} needs authorize_endpoint and client.id`);
  }
  const state = random();
  const nonce = random();
  const verifier = random();
  const redirectUri = resource.client.redirect_uri ?? `${options.baseUrl}/auth/callback/${encodeURIComponent(provider.id)}`;
  // Abandoned sign-ins expire; sweeping them here keeps the table small without a timer.
  await db.query('delete from identity_sign_in where expires_at < now()');
  await db.query(
    `insert into identity_sign_in (state_hash, provider_id, nonce, code_verifier, redirect_uri, return_to, expires_at)
     values ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))`,
    [hashState(state), provider.id, nonce, verifier, redirectUri, options.returnTo, options.ttlSec],
  );
  const url = new URL(resource.authorize_endpoint);
  const scopes = [...new Set(['openid', ...(resource.scopes ?? [])])];
  url.search = new URLSearchParams({
    ...Object.fromEntries(url.searchParams),
    response_type: 'code',
    client_id: resource.client.id,
    redirect_uri: redirectUri,
    scope: scopes.join(' '),
    state,
    nonce,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  return { location: url.toString(), state };
}
