/**
 * The baseline for `npm run bench:auth`: node-oidc-provider with its in-memory adapter, issuing
 * client_credentials tokens, in a process of its own on loopback (as our server is), so neither
 * shares a CPU with the load generator. Client `bench` gets opaque tokens; client `bench-jwt` gets
 * RS256 JWT access tokens (through a resource indicator, which is how oidc-provider makes JWTs).
 * Prints "listening" when ready.
 */
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const secret = process.env.BENCH_CLIENT_SECRET!;
const RESOURCE = 'urn:lockbox:bench';
const provider = new Provider(issuer, {
  clients: ['bench', 'bench-jwt'].map((id) => ({ client_id: id, client_secret: secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] })),
  features: {
    clientCredentials: { enabled: true },
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx: unknown, client: { clientId: string }) => (client.clientId === 'bench-jwt' ? RESOURCE : undefined),
      getResourceServerInfo: async () => ({ scope: '', audience: RESOURCE, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      useGrantedResource: async () => true,
    },
  },
});
provider.listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
