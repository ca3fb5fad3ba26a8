/**
 * Only a path on this server: anything else would make us an open redirector (RFC 9700 §4.11).
 * Resolved against our base URL as a browser would (which drops tabs and newlines: `/\t/evil`
 * is `//evil`), kept only when it stays on our origin, and written back as the URL serializer
 * encodes it, so no control character or non-ASCII byte reaches the Location header.
 */
export function toReturnPath(value: string | undefined, baseUrl: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || /[\\\s\u0000-\u001f\u007f]/.test(value)) return '/';
  const base = new URL(baseUrl);
  let resolved: URL;
  try {
    resolved = new URL(value, base);
  } catch {
    return '/';
  }
  return resolved.origin === base.origin ? `${resolved.pathname}${resolved.search}${resolved.hash}` : '/';
}

