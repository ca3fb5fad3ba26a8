/** The grants a person's browser takes part in, and where Client.auth keeps each one's settings. */
export type BrowserGrant = 'authorization_code' | 'implicit';

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((entry): entry is string => typeof entry === 'string') : [];
}

/**
 * The redirect URIs registered for a grant: the reference's one `redirect_uri` and Lockbox's
 * `redirect_uris`. A presented URI must equal one of them exactly (RFC 9700 §4.1.3: no patterns,
 * no prefix matching, no normalisation).
 */
export function registeredRedirectUris(client: Record<string, unknown>, grant: BrowserGrant): string[] {
  const settings = (client.auth as Record<string, Record<string, unknown> | undefined> | undefined)?.[grant] ?? {};
  return [...new Set([...strings(settings.redirect_uri), ...strings(settings.redirect_uris)])];
}

/** Where RP-initiated logout may send the browser back to (OpenID RP-Initiated Logout 1.0 §3.1). */
export function registeredPostLogoutUris(client: Record<string, unknown>): string[] {
  return strings(client.post_logout_redirect_uris);
}
