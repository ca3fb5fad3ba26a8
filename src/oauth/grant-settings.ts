/** `Client.auth.<grant>`: how tokens of one grant type are issued to this client. */
export interface GrantSettings {
  token_format?: 'jwt';
  access_token_expiration?: number;
  refresh_token?: boolean;
  refresh_token_expiration?: number;
  audience?: string[];
  secret_required?: boolean;
}

export type GrantType = 'client_credentials' | 'password' | 'refresh_token';

export function grantSettingsOf(client: Record<string, unknown>, grant: string): GrantSettings {
  const auth = client.auth as Record<string, GrantSettings | undefined> | undefined;
  return auth?.[grant] ?? {};
}

export function grantTypesOf(client: Record<string, unknown>): string[] {
  return Array.isArray(client.grant_types) ? (client.grant_types as string[]) : [];
}
