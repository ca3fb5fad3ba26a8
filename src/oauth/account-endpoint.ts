import type { RequestContext, ResourceRequest, ResourceResponse } from '../interactions/interaction-context';
import { renderAccountPage } from '../pages/account-page';
import { csrfToken } from '../pages/csrf';
import { loadTheme } from '../pages/load-theme';
import { pageHeaders } from '../pages/page-headers';
import { clientName } from './client-name';
import { findBrowserSession } from './find-browser-session';
import { checkCsrf } from '../pages/csrf';
import { deleteResource } from '../store/resource-store';
import { endSession } from './end-session';

/** GET /auth/account: the signed-in person's page; without a sign-in, the login page. */
export async function accountEndpoint(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const { services } = ctx;
  const person = await findBrowserSession(services, req.headers.cookie);
  if (!person) return { status: 302, headers: { location: '/auth/login', 'cache-control': 'no-store' } };
  const theme = await loadTheme(services.db);
  const csrf = csrfToken(req.headers.cookie, services.config.baseUrl.startsWith('https:'));
  const { rows } = await services.db.query<{ client_id: string; scope: string | null; start: string | null }>(
    `select distinct on (resource#>>'{client,id}') resource#>>'{client,id}' as client_id, resource->>'scope' as scope, resource->>'start' as start
       from "grant" where resource#>>'{user,id}' = $1 order by resource#>>'{client,id}', ts desc limit 50`,
    [person.user.id],
  );
  const apps = [];
  for (const row of rows) {
    const client = await services.auth.cache.client(services.db, row.client_id);
    apps.push({ clientId: row.client_id, name: client ? clientName(client) : row.client_id, scope: row.scope ?? '', since: row.start ?? undefined });
  }
  const html = renderAccountPage({ theme, csrf: csrf.token, user: person.user, signedInAt: new Date(person.authTime * 1000), apps });
  return { status: 200, html, headers: pageHeaders(theme), cookies: csrf.cookie ? [csrf.cookie] : undefined };
}

/**
 * POST /auth/account `revoke=<client id>`: the person takes an application's access back — its
 * Grants (so it must ask again) and every live Session it holds for them (so its tokens stop working).
 */
export async function revokeAppEndpoint(ctx: RequestContext, req: ResourceRequest): Promise<ResourceResponse> {
  const { services } = ctx;
  const params = req.params ?? {};
  checkCsrf(req.headers.cookie, params.csrf);
  const person = await findBrowserSession(services, req.headers.cookie);
  if (!person) return { status: 303, headers: { location: '/auth/login', 'cache-control': 'no-store' } };
  const clientId = params.revoke;
  if (clientId) {
    const grants = await services.db.query<{ id: string }>(`select id from "grant" where resource#>>'{client,id}' = $1 and resource#>>'{user,id}' = $2`, [clientId, person.user.id]);
    for (const { id } of grants.rows) await deleteResource(services.db, 'Grant', id);
    const sessions = await services.db.query<{ id: string }>(
      "select id from session where resource#>>'{client,id}' = $1 and resource#>>'{user,id}' = $2 and coalesce(resource->>'active', 'true') <> 'false'",
      [clientId, person.user.id],
    );
    for (const { id } of sessions.rows) await endSession(services, id);
    ctx.logger.log('info', 'a person revoked an application', { user: person.user.id, client: clientId, sessions: sessions.rows.length });
  }
  return { status: 303, headers: { location: '/auth/account', 'cache-control': 'no-store' } };
}
