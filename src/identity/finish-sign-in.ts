import type { createRemoteJWKSet } from 'jose';
import type { Database } from '../db/database';
import { exchangeCode } from './exchange-code';
import { findOrCreateUser, type LocalUser } from './find-or-create-user';
import { linkUserByEmail } from './link-user-by-email';
import type { SignInProvider } from './load-identity-provider';
import { loadUserinfo } from './load-userinfo';
import { SignInError } from './sign-in-error';
import { hashState } from './start-sign-in';
import { UserCache } from './user-cache';
import { verifyIdToken } from './verify-id-token';

export interface CallbackParams {
  state?: string;
  code?: string;
  error?: string;
  error_description?: string;
}

export interface FinishSignInOptions {
  /** The `state` of the cookie set when this browser started the sign-in. */
  browserState: string | undefined;
  remoteSets: Map<string, ReturnType<typeof createRemoteJWKSet>>;
  timeoutMs: number;
  clockToleranceSec: number;
}

interface Pending {
  nonce: string;
  code_verifier: string;
  redirect_uri: string;
  return_to: string;
  live: boolean;
}

/**
 * The callback of OIDC Core §3.1.2.5: the state must be ours, unexpired, unused and started in
 * this browser; then the code is exchanged, the id_token validated, and the User found, linked by
 * email (isEmailUniqueness), or created. Every mismatch throws SignInError before a User is touched.
 */
export async function finishSignIn(db: Database, provider: SignInProvider, params: CallbackParams, options: FinishSignInOptions): Promise<{ user: LocalUser; returnTo: string }> {
  if (!params.state) throw new SignInError(400, 'state', 'the callback has no state');
  // Single use: the row is gone whatever happens next.
  const { rows } = await db.query<Pending>(
    `delete from identity_sign_in where state_hash = $1 and provider_id = $2
     returning nonce, code_verifier, redirect_uri, return_to, expires_at > now() as live`,
    [hashState(params.state), provider.id],
  );
  const pending = rows[0];
  if (!pending) throw new SignInError(400, 'state', 'the sign-in state is unknown or was already used');
  if (!pending.live) throw new SignInError(400, 'state', 'the sign-in took too long; start again');
  // RFC 9700 §4.7.1: a code injected into another browser's callback (login CSRF) has the wrong state there.
  if (options.browserState !== params.state) throw new SignInError(400, 'state', 'the sign-in was not started in this browser');
  if (params.error) {
    throw new SignInError(401, 'provider-error', `the identity provider refused the sign-in: ${params.error}${params.error_description ? ` (${params.error_description})` : ''}`);
  }
  if (!params.code) throw new SignInError(400, 'state', 'the callback has no code');

  const tokens = await exchangeCode(provider, { code: params.code, redirectUri: pending.redirect_uri, codeVerifier: pending.code_verifier }, options.timeoutMs);
  const claims = await verifyIdToken(provider, tokens.id_token, pending.nonce, options);
  const system = provider.resource.system;
  if (!system) throw new SignInError(500, 'misconfigured', `IdentityProvider ${provider.id} has no system`);
  const sub = claims.sub!;

  const fromEndpoint = provider.resource['userinfo-source'] === 'userinfo-endpoint';
  let userinfo: Record<string, unknown> | undefined;
  try {
    if (fromEndpoint) userinfo = await loadUserinfo(provider.resource, tokens.access_token ?? '', sub, options.timeoutMs);
  } catch (error) {
    throw new SignInError(502, 'provider-unavailable', (error as Error).message);
  }
  const email = (userinfo ?? claims).email;
  const verified = (userinfo ?? claims).email_verified === true;
  const identity = {
    introspector: { id: `IdentityProvider/${provider.id}`, resource: {}, identityProvider: provider },
    claims: { ...claims, box_user: undefined },
    token: tokens.access_token ?? '',
  };
  const userOptions = { createUsers: true, users: new UserCache({ maxAgeMs: 0, maxEntries: 0 }), loadUserinfo: async () => userinfo! };
  // An unverified email proves nothing: linking on it would hand the account to whoever typed it.
  if (provider.resource.isEmailUniqueness && typeof email === 'string' && verified) {
    const existing = await findOrCreateUser(db, identity, { ...userOptions, createUsers: false });
    if (!existing) await linkUserByEmail(db, { system, sub, email });
  }
  const user = await findOrCreateUser(db, identity, userOptions);
  return { user: user!, returnTo: pending.return_to };
}
