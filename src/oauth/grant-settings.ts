/** `Client.auth.<grant>`: how tokens of one grant type are issued to this client. */
export interface GrantSettings {
  token_format?: 'jwt';
  access_token_expiration?: number;
  refresh_token?: boolean;
  refresh_token_expiration?: number;
  audience?: string[];
  secret_required?: boolean;
}

export function grantSettingsOf(client: Record<string, unknown>, grant: string): GrantSettings {
  const auth = client.auth as Record<string, GrantSettings | undefined> | undefined;
  // A Session's type is `token-exchange`; its settings live under `auth.token_exchange`.
  return auth?.[grant.replaceAll('-', '_')] ?? {};
}

export function grantTypesOf(client: Record<string, unknown>): string[] {
  return Array.isArray(client.grant_types) ? (client.grant_types as string[]) : [];
}

/**
 * Whether the client may use the password grant, and refresh what it got, without its secret: a
 * public (e.g. first-party) client is one with the password grant and without
 * `auth.password.secret_required: true`.
 */
export function mayOmitSecret(client: Record<string, unknown>): boolean {
  return grantTypesOf(client).includes('password') && grantSettingsOf(client, 'password').secret_required !== true;
}
