/** `Client.auth.<grant>`: how tokens of one grant type are issued to this client. */
export interface GrantSettings {
  token_format?: 'jwt';
  access_token_expiration?: number;
  refresh_token?: boolean;
  refresh_token_expiration?: number;
  audience?: string[];
  secret_required?: boolean;
  pkce?: boolean;
}

export function grantSettingsOf(client: Record<string, unknown>, grant: string): GrantSettings {
  const auth = client.auth as Record<string, GrantSettings | undefined> | undefined;
  // A Session's type is `token-exchange`; its settings live under `auth.token_exchange`.
  return auth?.[grant.replaceAll('-', '_')] ?? {};
}

/** The reference product accepts `code` as another name of `authorization_code`. */
const ALIASES: Record<string, string> = { code: 'authorization_code' };

export function grantTypesOf(client: Record<string, unknown>): string[] {
  return Array.isArray(client.grant_types) ? (client.grant_types as string[]).map((type) => ALIASES[type] ?? type) : [];
}

/**
 * Whether the client may refresh and revoke what it got without its secret: a public password
 * client (the password grant without `auth.password.secret_required: true`), or a public
 * authorization-code client (see isPublicClient).
 */
export function mayOmitSecret(client: Record<string, unknown>): boolean {
  return isPublicPasswordClient(client) || (grantTypesOf(client).includes('authorization_code') && isPublicClient(client));
}

/** The password grant without the secret: only when `auth.password.secret_required` is not true. */
export function isPublicPasswordClient(client: Record<string, unknown>): boolean {
  return grantTypesOf(client).includes('password') && grantSettingsOf(client, 'password').secret_required !== true;
}

/**
 * A public client (RFC 6749 §2.1) cannot keep a secret: a browser or mobile app. For the code flow
 * that is a client with `auth.authorization_code.secret_required: false`, or one that has no secret
 * to show at all. Public clients must use PKCE and redeem codes without authenticating.
 */
export function isPublicClient(client: Record<string, unknown>): boolean {
  const required = grantSettingsOf(client, 'authorization_code').secret_required;
  return required === false || (required !== true && typeof client.secret !== 'string');
}
