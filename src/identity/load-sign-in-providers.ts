import type { Queryable } from '../db/database';

export interface SignInButton {
  id: string;
  title: string;
  /** Starts the sign-in; the caller may append `?return_to=<path>`. */
  href: string;
}

/** One button per active IdentityProvider that can sign people in, for the login page. */
export async function loadSignInProviders(db: Queryable): Promise<SignInButton[]> {
  const { rows } = await db.query<{ id: string; title: string | null }>(
    `select id, resource->>'title' as title from identityprovider
     where coalesce((resource->>'active')::boolean, true) and resource ? 'authorize_endpoint'
     order by coalesce(resource->>'title', id), id`,
  );
  return rows.map((row) => ({ id: row.id, title: row.title ?? row.id, href: `/auth/redirect/${encodeURIComponent(row.id)}` }));
}
