import type { SignInButton } from '../identity/load-sign-in-providers';
import { escapeHtml } from './escape-html';
import type { Theme } from './load-theme';
import { renderPage } from './render-page';

export interface LoginPage {
  theme: Theme;
  csrf: string;
  /** Where to go after signing in: a path on this server. */
  returnTo?: string;
  /** The user name to fill in (login_hint, or what was typed before a failure). */
  username?: string;
  error?: string;
  providers: SignInButton[];
  /** Who is asking, when an application sent the person here. */
  clientName?: string;
}

/**
 * The sign-in form: a plain POST that works without JavaScript. The error, when there is one, is
 * announced (role=alert) and the password field takes the focus; otherwise the first empty field does.
 */
export function renderLoginPage(page: LoginPage): string {
  const returnTo = page.returnTo ? `<input type="hidden" name="return_to" value="${escapeHtml(page.returnTo)}">` : '';
  const error = page.error ? `<p class="error" role="alert" id="login-error">${escapeHtml(page.error)}</p>` : '';
  const describedBy = page.error ? ' aria-describedby="login-error"' : '';
  const usernameFocus = !page.username ? ' autofocus' : '';
  const passwordFocus = page.username ? ' autofocus' : '';
  const forgot = page.theme.forgotPasswordUrl ? `<p class="muted"><a href="${escapeHtml(page.theme.forgotPasswordUrl)}">Forgot password?</a></p>` : '';
  const providers = page.providers.length
    ? `<p class="divider">or</p><div class="providers">${page.providers
        .map((p) => `<a class="button secondary" href="${escapeHtml(withReturnTo(p.href, page.returnTo))}">Sign in with ${escapeHtml(p.title)}</a>`)
        .join('')}</div>`
    : '';
  const asking = page.clientName ? `<p class="muted">to continue to <strong>${escapeHtml(page.clientName)}</strong></p>` : '';
  return renderPage({
    heading: 'Sign in',
    theme: page.theme,
    body: `${asking}${error}<form method="post" action="/auth/login" novalidate>
<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">${returnTo}
<label for="username">User name or e-mail</label>
<input type="text" id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${escapeHtml(page.username ?? '')}"${usernameFocus}${describedBy}>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${passwordFocus}${describedBy}>
<button type="submit">Sign in</button>
</form>${forgot}${providers}`,
  });
}

function withReturnTo(href: string, returnTo: string | undefined): string {
  return returnTo ? `${href}${href.includes('?') ? '&' : '?'}return_to=${encodeURIComponent(returnTo)}` : href;
}
