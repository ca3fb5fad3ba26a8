import type { Queryable } from '../db/database';
import { signInProblems } from './sign-in-problems';

export interface SignInButton {
  id: string;
  title: string;
  /** Starts the sign-in; the caller may append `?return_to=<path>`. */
  href: string;
}

/** One button per active IdentityProvider that can sign people in, for the login page. */
export async function loadSignInProviders(db: Queryable): Promise<SignInButton[]> {
  const { rows } = await db.query<{ id: string; title: string | null; resource: Record<string, unknown> }>(
    `select id, resource->>'title' as title, resource from identityprovider
     where resource ? 'authorize_endpoint' order by coalesce(resource->>'title', id), id`,
  );
  // Judged as /auth/redirect judges them (load-identity-provider.ts): a row that sign-in cannot use
  // (written by SQL, or before writes were checked) gets no button that would only lead to an error page.
  return rows
    .filter((row) => row.resource.active !== false && signInProblems(row.resource).length === 0)
    .map((row) => ({ id: row.id, title: row.title ?? row.id, href: `/auth/redirect/${encodeURIComponent(row.id)}` }));
}
