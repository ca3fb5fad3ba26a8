import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';

/** What the app registers as: the Client it signs people in with. */
export interface WebAppClient {
  id: string;
  /** A confidential client authenticates with HTTP Basic; without a secret it is public (PKCE only). */
  secret?: string;
}

export interface WebApp {
  /** The app's origin, `http://127.0.0.1:PORT`. */
  url: string;
  /** Where Lockbox sends the browser back: `<url>/cb`. */
  callbackUrl: string;
  /** The Client it registered. */
  client: WebAppClient;
  close(): Promise<void>;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>The app</title></head><body>${body}</body></html>`);
}

/**
 * A server-side web application, the relying party of the browser tests: openid-client v6, as an
 * app would use it, on a loopback port of its own. `GET /sign-in` sends the browser to Lockbox's
 * authorization endpoint (code flow, PKCE S256, state and nonce); `GET /cb` takes the answer,
 * exchanges the code and shows whom it signed in (`#sub`, `#scope`), or the error it got (`#error`).
 * `register` creates the Client once the app knows its own callback URL.
 */
export async function startWebApp(issuer: string, register: (callbackUrl: string) => Promise<WebAppClient>, options: { scope?: string } = {}): Promise<WebApp> {
  const pending = new Map<string, { verifier: string; nonce: string }>();
  let config: oidc.Configuration | undefined;
  let url = '';

  async function signIn(res: ServerResponse): Promise<void> {
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    pending.set(state, { verifier, nonce });
    const authorize = oidc.buildAuthorizationUrl(config!, {
      redirect_uri: `${url}/cb`,
      scope: options.scope ?? 'openid profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    res.writeHead(302, { location: authorize.href });
    res.end();
  }

  async function callback(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const current = new URL(req.url!, url);
    const error = current.searchParams.get('error');
    if (error) {
      page(res, 200, `<h1>Not signed in</h1><p id="error">${escape(error)}</p><p id="state">${escape(current.searchParams.get('state') ?? '')}</p>`);
      return;
    }
    const expected = pending.get(current.searchParams.get('state') ?? '');
    if (!expected) {
      page(res, 400, '<p id="error">unknown state</p>');
      return;
    }
    const tokens = await oidc.authorizationCodeGrant(config!, current, {
      pkceCodeVerifier: expected.verifier,
      expectedState: current.searchParams.get('state')!,
      expectedNonce: expected.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    page(res, 200, `<h1>Signed in</h1><dl><dt>sub</dt><dd id="sub">${escape(claims.sub)}</dd><dt>scope</dt><dd id="scope">${escape(tokens.scope ?? '')}</dd></dl>`);
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url!, 'http://app').pathname;
    const handled = path === '/sign-in' ? signIn(res) : path === '/cb' ? callback(req, res) : Promise.resolve(page(res, 404, '<p id="error">not found</p>'));
    handled.catch((error: unknown) => {
      const described = error instanceof Error ? `${error.name}: ${error.message} ${JSON.stringify((error as { cause?: unknown }).cause ?? '')}` : String(error);
      if (!res.headersSent) page(res, 500, `<p id="error">${escape(described)}</p>`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const client = await register(`${url}/cb`);
  const auth = client.secret ? oidc.ClientSecretBasic(client.secret) : oidc.None();
  config = await oidc.discovery(new URL(issuer), client.id, undefined, auth, { execute: [oidc.allowInsecureRequests] });

  return {
    url,
    callbackUrl: `${url}/cb`,
    client,
    close: () => {
      // The browser keeps connections alive; close() alone would wait for them.
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
