import { escapeHtml } from './escape-html';
import type { Theme } from './load-theme';
import { renderPage } from './render-page';

/** After signing out with nowhere to return to. */
export function renderSignedOutPage(theme: Theme): string {
  return renderPage({ heading: 'You are signed out', theme, body: '<p>You can close this window, or <a href="/auth/login">sign in again</a>.</p>' });
}

/** RP-initiated logout without proof of who asks (no valid id_token_hint): the person confirms (OpenID RP-Initiated Logout §2). */
export function renderConfirmSignOutPage(theme: Theme, csrf: string, hidden: Record<string, string>, userName: string | undefined): string {
  const fields = Object.entries(hidden).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('');
  const who = userName ? `<p>You are signed in as <strong>${escapeHtml(userName)}</strong>.</p>` : '<p>You are not signed in.</p>';
  return renderPage({
    heading: 'Sign out?',
    theme,
    body: `${who}<form method="post" action="/auth/logout"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}">${fields}
<div class="row"><a class="button secondary" href="/auth/account">Stay signed in</a><button type="submit" autofocus>Sign out</button></div></form>`,
  });
}
