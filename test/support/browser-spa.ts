import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { repoRoot } from '../../src/repo-root';

export interface Spa {
  /** The SPA's origin, `http://127.0.0.1:PORT`: another origin than Lockbox's. */
  url: string;
  /** Where Lockbox sends the browser back: `<url>/callback`. */
  callbackUrl: string;
  close(): Promise<void>;
}

export interface SpaOptions {
  /** Lockbox's base URL: the `authority` of oidc-client-ts. */
  issuer: string;
  clientId: string;
  scope: string;
  /** What the SPA reads with its access token once signed in, relative to the issuer: `/fhir/Patient`. */
  api: string;
}

/**
 * oidc-client-ts, unmodified, bundled for the browser as a page script would load it: one IIFE
 * that defines the global `oidc`. Built once per test run.
 */
let bundle: Promise<string> | undefined;
function oidcClientBundle(): Promise<string> {
  bundle ??= build({
    stdin: { contents: "export * from 'oidc-client-ts';", resolveDir: repoRoot, loader: 'js' },
    bundle: true,
    format: 'iife',
    globalName: 'oidc',
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0].text);
  return bundle;
}

/**
 * The app's one page. `/` has a "Sign in" button that calls UserManager.signinRedirect (a public
 * client: code flow with PKCE, no secret); `/callback` calls signinRedirectCallback, whose token
 * request is a cross-origin fetch, then reads `api` with the access token, cross-origin too, and
 * shows what came back in `#result` (or what went wrong in `#error`).
 */
function appPage(options: SpaOptions, callbackUrl: string): string {
  const settings = {
    authority: options.issuer,
    client_id: options.clientId,
    redirect_uri: callbackUrl,
    response_type: 'code',
    scope: options.scope,
    automaticSilentRenew: false,
    loadUserInfo: false,
  };
  const script = `
const manager = new oidc.UserManager(${JSON.stringify(settings)});
const show = (id, value) => { const el = document.getElementById(id); el.textContent = typeof value === 'string' ? value : JSON.stringify(value, null, 2); el.hidden = false; };
async function main() {
  if (location.pathname !== '/callback') {
    document.getElementById('sign-in').addEventListener('click', () => manager.signinRedirect().catch((e) => show('error', String(e))));
    return;
  }
  const user = await manager.signinRedirectCallback();
  show('sub', user.profile.sub);
  const res = await fetch(${JSON.stringify(options.issuer + options.api)}, { headers: { authorization: 'Bearer ' + user.access_token, accept: 'application/json' } });
  show('result', { status: res.status, body: await res.json() });
}
main().catch((e) => show('error', String(e && e.message || e)));`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>The SPA</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}pre{white-space:pre-wrap;word-break:break-all}</style>
<script src="/oidc-client-ts.js"></script></head>
<body><h1>The SPA</h1><button id="sign-in" type="button">Sign in</button>
<p>Signed in as <output id="sub" hidden></output></p><pre id="result" hidden></pre><pre id="error" hidden></pre>
<script>${script}</script></body></html>`;
}

/** A single-page app served from a loopback port of its own, signing in through Lockbox with oidc-client-ts. */
export async function startSpa(options: SpaOptions): Promise<Spa> {
  const script = await oidcClientBundle();
  let callbackUrl = '';
  const server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://spa').pathname;
    if (path === '/oidc-client-ts.js') {
      res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      res.end(script);
    } else if (path === '/' || path === '/callback') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      res.end(appPage(options, callbackUrl));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  callbackUrl = `${url}/callback`;
  return {
    url,
    callbackUrl,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
