import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { repoRoot } from '../../src/repo-root';

export interface SmartApp {
  /** The app's origin, `http://127.0.0.1:PORT`: another origin than Lockbox's. */
  url: string;
  /** The page that starts the launch, the Client's `smart.launch_uri`: `<url>/launch.html`. */
  launchUrl: string;
  /** Where Lockbox sends the browser back, the Client's redirect URI: `<url>/index.html`. */
  redirectUrl: string;
  close(): Promise<void>;
}

export interface SmartAppOptions {
  clientId: string;
  scope: string;
  /**
   * The FHIR base for a standalone launch. Left out for an EHR launch: fhirclient then takes `iss`
   * and `launch` from the launch page's URL, as the EHR sent them.
   */
  iss?: string;
}

/**
 * fhirclient (SMART Health IT), unmodified, bundled for the browser from its `browser` entry as a
 * page script would load it: one IIFE that defines the global `FHIR`. Built once per test run.
 */
let bundle: Promise<string> | undefined;
function fhirclientBundle(): Promise<string> {
  bundle ??= build({
    stdin: { contents: "import FHIR from 'fhirclient'; window.FHIR = FHIR;", resolveDir: repoRoot, loader: 'js' },
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0].text);
  return bundle;
}

const SHOW = `const show = (id, value) => { const el = document.getElementById(id); el.textContent = typeof value === 'string' ? value : JSON.stringify(value, null, 2); el.hidden = false; };`;

/** `/launch.html`: FHIR.oauth2.authorize, which finds Lockbox's endpoints through discovery and leaves for its authorization endpoint. */
function launchPage(options: SmartAppOptions, redirectUrl: string): string {
  const settings = { clientId: options.clientId, scope: options.scope, redirectUri: redirectUrl, ...(options.iss ? { iss: options.iss } : {}) };
  return html('Launching…', `<h1>Launching…</h1><pre id="error" hidden></pre>
<script>${SHOW}
FHIR.oauth2.authorize(${JSON.stringify(settings)}).catch((e) => show('error', String(e && e.message || e)));</script>`);
}

/**
 * `/index.html`: FHIR.oauth2.ready, which redeems the code by a cross-origin POST to the token
 * endpoint; then what a patient-facing app does first — read the launch patient and search their
 * Observations — shown in `#result` (or what went wrong in `#error`). The client stays on
 * `window.smart` for the test to make further requests with it.
 */
function indexPage(): string {
  return html('The SMART app', `<h1>The SMART app</h1><p>Patient: <output id="patient-name"></output></p>
<pre id="result" hidden></pre><pre id="error" hidden></pre>
<script>${SHOW}
async function main() {
  const client = await FHIR.oauth2.ready();
  window.smart = client;
  const token = client.state.tokenResponse;
  const patient = await client.patient.read();
  const name = (patient.name || [])[0] || {};
  show('patient-name', [].concat(name.given || [], name.family || []).join(' '));
  const byPatient = await client.request('Observation?patient=' + encodeURIComponent(client.patient.id), { flat: true });
  const all = await client.request('Observation', { flat: true });
  show('result', {
    patient: token.patient,
    encounter: token.encounter,
    scope: token.scope,
    need_patient_banner: token.need_patient_banner,
    has_id_token: typeof token.id_token === 'string',
    fhirUser: client.getFhirUser() || null,
    read: { resourceType: patient.resourceType, id: patient.id },
    observations: byPatient.map((o) => o.id).sort(),
    allObservations: all.map((o) => o.id).sort(),
  });
}
main().catch((e) => show('error', String(e && e.message || e)));</script>`);
}

function html(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}pre{white-space:pre-wrap;word-break:break-all}</style>
<script src="/fhir-client.js"></script></head><body>${body}</body></html>`;
}

/** A SMART app served from a loopback port of its own, launching through Lockbox with fhirclient. */
export async function startSmartApp(options: SmartAppOptions): Promise<SmartApp> {
  const script = await fhirclientBundle();
  let redirectUrl = '';
  const server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://app').pathname;
    const send = (type: string, body: string) => {
      res.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === '/fhir-client.js') send('text/javascript', script);
    else if (path === '/launch.html') send('text/html', launchPage(options, redirectUrl));
    else if (path === '/index.html') send('text/html', indexPage());
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  redirectUrl = `${url}/index.html`;
  return {
    url,
    launchUrl: `${url}/launch.html`,
    redirectUrl,
    close: () => {
      // The browser keeps connections alive; close() alone would wait for them.
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
