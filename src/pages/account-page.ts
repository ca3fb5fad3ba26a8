import { escapeHtml } from './escape-html';
import type { Theme } from './load-theme';
import { renderPage } from './render-page';

export interface AccountPage {
  theme: Theme;
  csrf: string;
  user: { id: string; resource: Record<string, unknown> };
  signedInAt: Date;
  /** Applications the person let in (their Grants), by name. */
  apps: { clientId: string; name: string; scope: string; since?: string }[];
}

/** Where a plain sign-in lands: who you are, since when, what you let in, and how to sign out. */
export function renderAccountPage(page: AccountPage): string {
  const user = page.user.resource;
  const name = (user.name as { formatted?: string; givenName?: string; familyName?: string } | undefined) ?? {};
  const display = name.formatted ?? ([name.givenName, name.familyName].filter(Boolean).join(' ') || String(user.userName ?? user.email ?? page.user.id));
  const rows = [
    ['User name', user.userName],
    ['E-mail', user.email],
    ['User id', page.user.id],
    ['Signed in', page.signedInAt.toUTCString()],
  ].filter(([, value]) => typeof value === 'string' && value !== '');
  const csrf = `<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">`;
  const apps = page.apps.length
    ? `<h2>Applications you allowed</h2><ul class="apps">${page.apps
        .map((app) => `<li><span><strong>${escapeHtml(app.name)}</strong>${app.scope ? `<br><small class="muted">${escapeHtml(app.scope)}</small>` : ''}${app.since ? `<br><small class="muted">since ${escapeHtml(app.since.slice(0, 10))}</small>` : ''}</span>
<form method="post" action="/auth/account">${csrf}<input type="hidden" name="revoke" value="${escapeHtml(app.clientId)}"><button type="submit" class="secondary" aria-label="Revoke access of ${escapeHtml(app.name)}">Revoke</button></form></li>`)
        .join('')}</ul>`
    : '';
  return renderPage({
    heading: `Signed in as ${display}`,
    theme: page.theme,
    body: `<dl>${rows.map(([label, value]) => `<dt class="muted">${escapeHtml(String(label))}</dt><dd>${escapeHtml(String(value))}</dd>`).join('')}</dl>
<p>Applications that send you here will now sign you in without asking for your password again. Scripts can call the API with this browser's session, or get a token at <code>/auth/token</code>.</p>
${apps}
<form method="post" action="/auth/logout">${csrf}<button type="submit" class="secondary">Sign out</button></form>`,
  });
}
