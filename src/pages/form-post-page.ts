import { escapeHtml } from './escape-html';

/**
 * OAuth 2.0 Form Post Response Mode §2: the answer is posted to the redirect URI by a form that
 * submits itself; without JavaScript, the person presses the button.
 */
export function renderFormPostPage(action: string, fields: Record<string, string>, nonce: string): string {
  const inputs = Object.entries(fields).map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>Returning to the application</title></head>
<body><form method="post" action="${escapeHtml(action)}">${inputs}<noscript><p>Press the button to return to the application.</p><button type="submit">Continue</button></noscript></form>
<script nonce="${nonce}">document.forms[0].submit();</script></body></html>`;
}
