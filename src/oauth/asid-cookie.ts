import type { Queryable } from '../db/database';

/** The reference product's default: five days. */
export const DEFAULT_ASID_MAX_AGE = 432_000;

/** AuthConfig.asidCookieMaxAge of the most recently written AuthConfig, else the default. */
export async function loadAsidMaxAge(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ max_age: number | null }>(
    "select (resource->>'asidCookieMaxAge')::bigint as max_age from authconfig where resource ? 'asidCookieMaxAge' order by ts desc limit 1",
    [],
  );
  const value = rows[0]?.max_age;
  return value === null || value === undefined ? DEFAULT_ASID_MAX_AGE : Number(value);
}

/**
 * The `asid` cookie (RFC 6265 §4.1): HttpOnly so scripts cannot read it, SameSite=Lax so other
 * sites cannot ride it on cross-site POSTs, Secure whenever we are served over https.
 */
export function asidCookie(value: string, maxAge: number, secure: boolean): string {
  return `asid=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
}
