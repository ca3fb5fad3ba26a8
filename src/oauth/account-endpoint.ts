import type { RequestContext, ResourceRequest, ResourceResponse } from '../interactions/interaction-context';
import { renderAccountPage } from '../pages/account-page';
import { csrfToken } from '../pages/csrf';
import { loadTheme } from '../pages/load-theme';
import { pageHeaders } from '../pages/page-headers';
import { clientName } from './authorize-endpoint';
import { findBrowserSession } from './find-browser-session';

/** GET /auth/account: the signed-in person's page; without a sign-in, the login page. */
export async function accountEndpoint(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const { services } = ctx;
  const person = await findBrowserSession(services, req.headers.cookie);
  if (!person) return { status: 302, headers: { location: '/auth/login', 'cache-control': 'no-store' } };
  const theme = await loadTheme(services.db);
  const csrf = csrfToken(req.headers.cookie, services.config.baseUrl.startsWith('https:'));
  const { rows } = await services.db.query<{ client_id: string; scope: string | null; start: string | null }>(
    `select resource#>>'{client,id}' as client_id, resource->>'scope' as scope, resource->>'start' as start
       from "grant" where resource#>>'{user,id}' = $1 order by ts desc limit 50`,
    [person.user.id],
  );
  const apps = [];
  for (const row of rows) {
    const client = await services.auth.cache.client(services.db, row.client_id);
    apps.push({ name: client ? clientName(client) : row.client_id, scope: row.scope ?? '', since: row.start ?? undefined });
  }
  const html = renderAccountPage({ theme, csrf: csrf.token, user: person.user, signedInAt: new Date(person.authTime * 1000), apps });
  return { status: 200, html, headers: pageHeaders(theme), cookies: csrf.cookie ? [csrf.cookie] : undefined };
}
