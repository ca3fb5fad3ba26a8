/**
 * The baseline for `npm run bench:auth`: node-oidc-provider with its in-memory adapter, issuing
 * client_credentials tokens, in a process of its own on loopback (as our server is), so neither
 * shares a CPU with the load generator. Prints "listening" when ready.
 */
import Provider from 'oidc-provider';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [{ client_id: 'bench', client_secret: process.env.BENCH_CLIENT_SECRET!, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }],
  features: { clientCredentials: { enabled: true }, devInteractions: { enabled: false } },
});
provider.listen(port, '127.0.0.1', () => process.stdout.write('listening\n'));
