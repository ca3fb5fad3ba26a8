/**
 * RFC 6750 §3 challenge for a refused bearer credential. The description may carry text from the
 * token itself (an issuer, a kid): it is reduced to what a quoted-string may hold (printable ASCII
 * without `"` or `\`), so no token can break or forge a response header.
 */
export function bearerChallenge(description?: string): string {
  if (description === undefined) return 'Bearer realm="lockbox"';
  const safe = description.replace(/[^\x20-\x7e]|["\\]/g, '?').slice(0, 200);
  return `Bearer realm="lockbox", error="invalid_token", error_description="${safe}"`;
}
