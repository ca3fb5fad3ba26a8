import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, type CryptoKey } from 'jose';

type Obj = Record<string, unknown>;

/** oidc-provider ships no types; the little of it these tests touch. */
interface OidcProviderModule {
  default: new (issuer: string, configuration: Obj) => { callback(): (req: unknown, res: unknown) => void };
  errors: { InvalidTarget: new () => Error };
}
const oidcProvider = 'oidc-provider';

/** The resource indicators (RFC 8707) our server is known by at the provider, one per token format. */
export const JWT_RESOURCE = 'urn:lockbox:jwt';
export const OPAQUE_RESOURCE = 'urn:lockbox:opaque';
const REDIRECT_URI = 'http://127.0.0.1/callback';

export interface IdentityProvider {
  issuer: string;
  jwksUri: string;
  introspectionUrl: string;
  userinfoUrl: string;
  /** `Basic …` for the resource-server client that may call introspection. */
  introspectionAuthorization: string;
  kid: string;
  /** The provider's signing key, for forging tokens in tests. */
  privateKey: CryptoKey;
  publicKeyPem: string;
  /** Claims of each person who signs in (sub = the login name); change them to see a refresh. */
  accounts: Map<string, Obj>;
  /** Extra claims on client_credentials tokens. */
  serviceClaims: Obj;
  /** Requests received, by "METHOD /path". */
  requests(path: string): number;
  /** A client_credentials access token (the tutorial's service account) for our server. */
  clientCredentials(format: 'jwt' | 'opaque'): Promise<string>;
  /** A person signs in through the login and consent forms; their access token works at userinfo. */
  signIn(login: string): Promise<string>;
  revoke(token: string): Promise<void>;
  /** Closes the port and every connection: the provider is gone, not slow. */
  stop(): Promise<void>;
}

const CC = { id: 'lockbox-service', secret: 'service-secret' };
const WEB = { id: 'lockbox-web', secret: 'web-secret' };
const RS = { id: 'lockbox-rs', secret: 'rs-secret' };
const basic = (client: { id: string; secret: string }) => `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}`;

/**
 * node-oidc-provider on a loopback port as the external identity provider (the tutorial's
 * Keycloak): client_credentials JWT and opaque access tokens, introspection, revocation, userinfo
 * and its development login form.
 */
export interface IdentityProviderOptions {
  /** More clients to register, e.g. our server for sign-in, with its callback URLs. */
  clients?: Obj[];
}

export async function startIdentityProvider(options: IdentityProviderOptions = {}): Promise<IdentityProvider> {
  const kid = `key-${randomBytes(4).toString('hex')}`;
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const accounts = new Map<string, Obj>();
  const serviceClaims: Obj = {};
  const counts = new Map<string, number>();

  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Its "development-only" warnings (in-memory adapter, dev login form) are what a test wants; keep the output readable.
  const warn = console.warn;
  console.warn = (...args: unknown[]) => (String(args[0]).startsWith('oidc-provider WARNING') ? undefined : warn(...args));
  const { default: Provider, errors } = (await import(oidcProvider)) as OidcProviderModule;
  const provider = new Provider(issuer, {
    jwks: { keys: [{ ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' }] },
    cookies: { keys: ['identity-provider-test-cookie-key'] },
    clients: [
      { client_id: CC.id, client_secret: CC.secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
      { client_id: WEB.id, client_secret: WEB.secret, grant_types: ['authorization_code'], redirect_uris: [REDIRECT_URI], response_types: ['code'] },
      { client_id: RS.id, client_secret: RS.secret, grant_types: [], redirect_uris: [], response_types: [] },
      ...(options.clients ?? []),
    ],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
    async findAccount(_ctx: unknown, sub: string) {
      if (!accounts.has(sub)) accounts.set(sub, { preferred_username: sub, email: `${sub}@example.com`, email_verified: true });
      return { accountId: sub, claims: async () => ({ sub, ...accounts.get(sub) }) };
    },
    extraTokenClaims: async (_ctx: unknown, token: { kind: string }) => (token.kind === 'ClientCredentials' ? { ...serviceClaims } : undefined),
    ttl: { ClientCredentials: 300, AccessToken: 300, IdToken: 300, Interaction: 600, Session: 3600, Grant: 3600 },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true, allowedPolicy: async () => true },
      resourceIndicators: {
        enabled: true,
        defaultResource: async () => undefined,
        useGrantedResource: async () => false,
        async getResourceServerInfo(_ctx: unknown, resource: string) {
          if (resource === JWT_RESOURCE) return { scope: 'profile email', audience: 'lockbox', accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
          if (resource === OPAQUE_RESOURCE) return { scope: 'profile email', audience: 'lockbox', accessTokenFormat: 'opaque' };
          throw new errors.InvalidTarget();
        },
      },
    },
  });
  console.warn = warn;
  const callback = provider.callback();
  server.on('request', (req, res) => {
    const key = `${req.method} ${new URL(req.url ?? '/', issuer).pathname}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    callback(req, res);
  });

  async function token(params: Record<string, string>, client: { id: string; secret: string }): Promise<string> {
    const response = await fetch(`${issuer}/token`, { method: 'POST', headers: { authorization: basic(client) }, body: new URLSearchParams(params) });
    const body = (await response.json()) as Obj;
    if (!response.ok) throw new Error(`token endpoint: ${JSON.stringify(body)}`);
    return body.access_token as string;
  }

  /** Follows redirects by hand, carrying the provider's cookies, until it sends us to redirect_uri. */
  async function signIn(login: string): Promise<string> {
    const jar = new Map<string, string>();
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const send = async (url: string, form?: Record<string, string>) => {
      const response = await fetch(new URL(url, issuer), {
        method: form ? 'POST' : 'GET',
        redirect: 'manual',
        headers: { cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; ') },
        body: form && new URLSearchParams(form),
      });
      for (const cookie of response.headers.getSetCookie()) {
        const [pair] = cookie.split(';');
        const eq = pair.indexOf('=');
        jar.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
      return response;
    };
    const query = new URLSearchParams({ client_id: WEB.id, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid profile email', state: 's', code_challenge: challenge, code_challenge_method: 'S256' });
    let response = await send(`/auth?${query}`);
    for (let step = 0; step < 12; step++) {
      const location = response.headers.get('location');
      if (location?.startsWith(REDIRECT_URI)) {
        const code = new URL(location).searchParams.get('code');
        if (!code) throw new Error(`sign-in failed: ${location}`);
        return token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }, WEB);
      }
      if (location) {
        response = await send(location);
        continue;
      }
      const html = await response.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="([^"]+)"/.exec(html)?.[1];
      if (!action || !prompt) throw new Error(`unexpected page from the provider: ${html.slice(0, 200)}`);
      response = await send(action.replaceAll('&amp;', '&'), prompt === 'login' ? { prompt, login, password: 'any' } : { prompt });
    }
    throw new Error('sign-in did not finish');
  }

  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    introspectionUrl: `${issuer}/token/introspection`,
    userinfoUrl: `${issuer}/me`,
    introspectionAuthorization: basic(RS),
    kid,
    privateKey,
    publicKeyPem: await exportSPKI(publicKey),
    accounts,
    serviceClaims,
    requests: (path) => counts.get(path) ?? 0,
    clientCredentials: (format) => token({ grant_type: 'client_credentials', resource: format === 'jwt' ? JWT_RESOURCE : OPAQUE_RESOURCE, scope: 'profile email' }, CC),
    signIn,
    async revoke(value) {
      const response = await fetch(`${issuer}/token/revocation`, { method: 'POST', headers: { authorization: basic(CC) }, body: new URLSearchParams({ token: value }) });
      if (!response.ok) throw new Error(`revocation: ${response.status}`);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
