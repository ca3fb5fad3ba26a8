import { escapeHtml } from './escape-html';
import type { Theme } from './load-theme';
import { renderPage } from './render-page';

export interface ScopeChoice {
  scope: string;
  title: string;
  description?: string;
}

export interface ConsentPage {
  theme: Theme;
  csrf: string;
  clientName: string;
  /** Who is signed in, so a person on a shared computer notices it is not them. */
  userName: string;
  /** The authorization request, carried through the form unchanged. */
  hidden: Record<string, string>;
  /** Scopes the person may untick. */
  choices: ScopeChoice[];
  /** Always granted with the sign-in itself (openid). */
  fixed: ScopeChoice[];
}

const item = (choice: ScopeChoice, index: number | undefined) => {
  const text = `<span>${escapeHtml(choice.title)}${choice.description ? `<small>${escapeHtml(choice.description)}</small>` : ''}${choice.title !== choice.scope ? `<small><code>${escapeHtml(choice.scope)}</code></small>` : ''}</span>`;
  if (index === undefined) return `<div class="scope">${text}</div>`;
  // Each box has a name of its own: a repeated form parameter is refused (RFC 6749 §3.1).
  return `<label class="scope"><input type="checkbox" name="scope_choice.${index}" value="${escapeHtml(choice.scope)}" checked>${text}</label>`;
};

/**
 * The consent form: what the application asks for, each scope by its Scope.title and description
 * when there is one; the person may untick scopes, then Allow or Deny. Works without JavaScript.
 */
export function renderConsentPage(page: ConsentPage): string {
  const hidden = Object.entries(page.hidden).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('\n');
  const list = [...page.fixed.map((choice) => item(choice, undefined)), ...page.choices.map((choice, index) => item(choice, index))].join('\n');
  return renderPage({
    heading: `${page.clientName} wants to use your account`,
    theme: page.theme,
    body: `<p class="muted">Signed in as <strong>${escapeHtml(page.userName)}</strong>. <a href="/auth/logout">Not you?</a></p>
<form method="post" action="/auth/authorize">
<input type="hidden" name="csrf" value="${escapeHtml(page.csrf)}">
${hidden}
<fieldset><legend>It asks to</legend>
${list || '<p class="muted">Only to know that you signed in.</p>'}
</fieldset>
<div class="row"><button type="submit" name="decision" value="deny" class="secondary">Deny</button><button type="submit" name="decision" value="allow" autofocus>Allow</button></div>
</form>
<p class="muted">You can take this access back at any time on <a href="/auth/account">your account page</a>.</p>`,
  });
}
