import type { SignInButton } from '../identity/load-sign-in-providers';

import { escapeHtml } from '../pages/escape-html';

/**
 * A small self-contained login form; it posts JSON to /auth/login and reports the outcome.
 * Below it, one button per active IdentityProvider (its title), starting the sign-in there.
 */
export function renderLoginPage(providers: SignInButton[] = []): string {
  const buttons = providers.map((p) => `<a class="idp" href="${escapeHtml(p.href)}">Sign in with ${escapeHtml(p.title)}</a>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Lockbox</title>
<style>body{font-family:system-ui,sans-serif;display:grid;place-items:center;min-height:100vh;margin:0;background:#f4f5f7}
form{background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002;display:grid;gap:.75rem;min-width:18rem}
input,button{font:inherit;padding:.5rem}.idp{display:block;text-align:center;padding:.5rem;border:1px solid #ccc;border-radius:4px;color:inherit;text-decoration:none}output{min-height:1.2em;color:#b00}</style></head>
<body><form id="login" method="post" action="/auth/login">
<h1>Sign in</h1>
<label>User name or e-mail<br><input name="username" autocomplete="username" required></label>
<label>Password<br><input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button><output></output>${buttons}</form>
<script>
document.getElementById('login').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target, out = form.querySelector('output');
  const res = await fetch('/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(Object.fromEntries(new FormData(form))) });
  const body = await res.json().catch(() => ({}));
  out.style.color = res.ok ? '#070' : '#b00';
  out.textContent = res.ok ? 'Signed in.' : (body.error_description || 'Sign-in failed');
});
</script></body></html>`;
}
