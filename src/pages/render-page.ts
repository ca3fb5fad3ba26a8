import { escapeHtml } from './escape-html';
import type { Theme } from './load-theme';

export interface Page {
  /** The document title and the card's heading. */
  heading: string;
  /** Trusted markup: every value in it escaped by the caller. */
  body: string;
  theme: Theme;
}

/**
 * Plain, readable and keyboard-friendly: system font, a visible focus ring, labels on every field,
 * no script. AuthConfig.theme names the brand, the title and a stylesheet loaded after ours.
 */
const STYLE = `:root{--accent:#1f5fbf;--ink:#1d2330;--muted:#5b6475;--bg:#f5f6f8;--card:#fff;--danger:#b3261e}
*{box-sizing:border-box}body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;background:var(--bg);color:var(--ink);line-height:1.5}
header{padding:1rem 1.5rem;font-weight:600}main{max-width:26rem;margin:6vh auto;padding:2rem;background:var(--card);border-radius:.5rem;box-shadow:0 1px 4px rgba(0,0,0,.12)}
h1{font-size:1.4rem;margin:0 0 1rem}form{display:grid;gap:.9rem}label{display:grid;gap:.25rem;font-weight:500}
input[type=text],input[type=password],input[type=email]{font:inherit;padding:.55rem .6rem;border:1px solid #9aa3b2;border-radius:.3rem}
button,.button{font:inherit;padding:.6rem 1rem;border-radius:.3rem;border:1px solid var(--accent);background:var(--accent);color:#fff;cursor:pointer;text-align:center;text-decoration:none}
button.secondary,.button.secondary{background:#fff;color:var(--accent)}a{color:var(--accent)}
:focus-visible{outline:3px solid var(--accent);outline-offset:2px}.error{color:var(--danger);border-left:4px solid var(--danger);padding:.25rem .75rem;margin:0 0 1rem;background:#fdf0ef}
.muted{color:var(--muted);font-size:.92rem}.row{display:flex;gap:.75rem}.row>*{flex:1}fieldset{border:1px solid #d5d9e0;border-radius:.3rem;padding:.5rem 1rem}
.scope{display:flex;gap:.6rem;align-items:flex-start;font-weight:400;padding:.35rem 0}.scope input{margin-top:.35rem}.scope small{display:block;color:var(--muted)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0 0 1rem}dd{margin:0;overflow-wrap:anywhere}
ul.apps{list-style:none;padding:0;display:grid;gap:.5rem}ul.apps li{display:flex;gap:.75rem;align-items:center;justify-content:space-between;border:1px solid #d5d9e0;border-radius:.3rem;padding:.5rem .75rem}
ul.apps form{display:block}ul.apps button{padding:.3rem .7rem}h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.providers{display:grid;gap:.5rem;margin-top:1rem}.divider{text-align:center;color:var(--muted);font-size:.9rem;margin-top:1rem}`;

export function renderPage(page: Page): string {
  const { theme } = page;
  const title = theme.title ? `${page.heading} · ${theme.title}` : page.heading;
  const stylesheet = theme.styleUrl ? `\n<link rel="stylesheet" href="${escapeHtml(theme.styleUrl)}">` : '';
  const brand = theme.brand ? `<header>${escapeHtml(theme.brand)}</header>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title>
<style>${STYLE}</style>${stylesheet}</head>
<body>${brand}<main>
<h1>${escapeHtml(page.heading)}</h1>
${page.body}
</main></body></html>`;
}
