/**
 * The baseline for `npm run bench:authorize`: node-oidc-provider with its in-memory adapter, in a
 * process of its own on loopback (as our server is). One public client `bench-app` (no secret, so
 * PKCE S256 is required) and one account `bench-user`. Its one interaction route signs that account
 * in and grants the requested scopes in a single step, so after the benchmark has been through it
 * once, an authorization request carrying the session cookie goes straight to the code.
 * Prints "listening" when ready.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const ACCOUNT = 'bench-user';
// A 2048-bit RSA key, as Lockbox signs with, rather than the provider's development keys.
const signingKey = { ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }), kid: 'bench', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'bench-app',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [process.env.BENCH_REDIRECT_URI!],
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: ['bench-cookie-signing-key-0123456789abcdef'] },
  findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  features: { devInteractions: { enabled: false } },
  interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
});

/** Login and consent in one answer (oidc-provider's interactionFinished with both results). */
async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { params } = await provider.interactionDetails(req, res);
  const grant = new provider.Grant({ accountId: ACCOUNT, clientId: params.client_id });
  grant.addOIDCScope(String(params.scope));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { login: { accountId: ACCOUNT }, consent: { grantId } }, { mergeWithLastSubmission: false });
}

const handle = provider.callback();
createServer((req, res) => {
  if (!req.url?.startsWith('/interaction/')) return handle(req, res);
  interaction(req, res).catch((error: Error) => {
    res.statusCode = 500;
    res.end(error.message);
  });
}).listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
