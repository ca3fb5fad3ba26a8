/**
 * npm run bench:auth — (1) client_credentials issuance over HTTP, opaque and JWT, each persisting its
 * Session, against node-oidc-provider issuing the same grant (in-memory store) in the same run; goal
 * ratio ≥ 1.0. (2) Read by id with a bearer JWT vs the same read with Basic root; goal ≥ 0.9.
 * (3) Read by id with a foreign JWT (TokenIntrospector with a PEM key, keys and verification
 * cached, its JIT User found) vs the same read with our own JWT; goal ≥ 0.9.
 * BENCH_SECONDS (default 8) bounds each scenario, run in alternating rounds with the one it is
 * compared with; BENCH_CONNECTIONS (default 16) is the concurrency.
 */
import autocannon from 'autocannon';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { alternate, printTable, ROOT_BASIC, startBenchServer, startScriptServer, type Figures } from './bench-server';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const CLIENT_SECRET = 'bench-client-secret-0123456789abcdef';
const basic = (id: string) => `Basic ${Buffer.from(`${id}:${CLIENT_SECRET}`).toString('base64')}`;

async function cannon(name: string, options: autocannon.Options): Promise<Figures> {
  const result = await autocannon({ connections: CONNECTIONS, duration: SECONDS / ROUNDS, ...options });
  if (result.non2xx || result.errors) throw new Error(`${name}: ${result.non2xx} non-2xx responses, ${result.errors} errors`);
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const ROUNDS = 4;

const issue = (name: string, url: string, authorization: string) =>
  cannon(name, { url, method: 'POST', headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });

async function put(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'PUT', headers: { authorization: ROOT_BASIC, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`PUT ${url}: ${response.status} ${await response.text()}`);
}

const startOidcProvider = () => startScriptServer('bench/oidc-provider-server.ts', { BENCH_CLIENT_SECRET: CLIENT_SECRET });

async function main() {
  const server = await startBenchServer({ BOX_ADMIN_PASSWORD: 'bench-admin-password-0123456789', BOX_SECURITY_INTROSPECTION_CREATE_USER: 'true' });
  const baseline = await startOidcProvider();
  try {
    await put(`${server.url}/Client/bench-opaque`, { grant_types: ['client_credentials'], secret: CLIENT_SECRET });
    await put(`${server.url}/Client/bench-jwt`, { grant_types: ['client_credentials'], secret: CLIENT_SECRET, auth: { client_credentials: { token_format: 'jwt', access_token_expiration: 3600 } } });
    // Warm-up and a check that every side answers 200 before measuring.
    for (const [url, auth, jwt] of [
      [`${server.url}/auth/token`, basic('bench-opaque'), false],
      [`${server.url}/auth/token`, basic('bench-jwt'), true],
      [`${baseline.url}/token`, basic('bench'), false],
      [`${baseline.url}/token`, basic('bench-jwt'), true],
    ] as const) {
      const response = await fetch(url, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
      if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
      const { access_token: token } = (await response.json()) as { access_token: string };
      if ((token.split('.').length === 3) !== jwt) throw new Error(`${url}: expected ${jwt ? 'a JWT' : 'an opaque token'}`);
    }

    const [theirsOpaque, opaque] = await alternate(
      ROUNDS,
      () => issue('oidc-provider: client_credentials, opaque (in-memory)', `${baseline.url}/token`, basic('bench')),
      () => issue('lockbox: client_credentials, opaque + Session', `${server.url}/auth/token`, basic('bench-opaque')),
    );
    const [theirsJwt, jwt] = await alternate(
      ROUNDS,
      () => issue('oidc-provider: client_credentials, RS256 JWT (in-memory)', `${baseline.url}/token`, basic('bench-jwt')),
      () => issue('lockbox: client_credentials, RS256 JWT + Session', `${server.url}/auth/token`, basic('bench-jwt')),
    );

    // Read by id: root by Basic vs root's own bearer JWT (both have full access before AccessPolicy).
    await put(`${server.url}/Client/root`, { grant_types: ['basic', 'client_credentials'], auth: { client_credentials: { token_format: 'jwt', access_token_expiration: 3600 } } });
    const tokenResponse = await fetch(`${server.url}/auth/token`, { method: 'POST', headers: { authorization: ROOT_BASIC, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    const { access_token: rootJwt } = (await tokenResponse.json()) as { access_token: string };
    await put(`${server.url}/Patient/bench-read`, { resourceType: 'Patient', name: [{ family: 'Bench' }] });
    const [readBasic, readJwt] = await alternate(
      ROUNDS,
      () => cannon('lockbox: read by id, Basic root', { url: `${server.url}/Patient/bench-read`, headers: { authorization: ROOT_BASIC } }),
      () => cannon('lockbox: read by id, bearer JWT', { url: `${server.url}/Patient/bench-read`, headers: { authorization: `Bearer ${rootJwt}` } }),
    );

    // Read by id with another issuer's JWT, as in the tutorial: a TokenIntrospector (here a PEM key,
    // so no network in the measurement), a JIT User through an id-token IdentityProvider, and an
    // AccessPolicy on the token's iss — vs the same read with our own JWT.
    const foreignIss = 'https://idp.bench.example';
    const foreignKey = await generateKeyPair('RS256');
    await put(`${server.url}/fhir/IdentityProvider/bench-idp`, { resourceType: 'IdentityProvider', system: 'bench-idp', 'userinfo-source': 'id-token', active: true });
    await put(`${server.url}/fhir/TokenIntrospector/bench-idp`, {
      resourceType: 'TokenIntrospector',
      type: 'jwt',
      jwt: { iss: foreignIss, keys: [{ kty: 'RSA', alg: 'RS256', format: 'PEM', pub: await exportSPKI(foreignKey.publicKey) }] },
      identity_provider: { reference: 'IdentityProvider/bench-idp' },
    });
    await put(`${server.url}/fhir/AccessPolicy/bench-idp`, { resourceType: 'AccessPolicy', engine: 'matcho', matcho: { jwt: { iss: foreignIss } } });
    const issuedAt = Math.floor(Date.now() / 1000);
    const foreignJwt = await new SignJWT({ iss: foreignIss, sub: 'bench-service', preferred_username: 'service-account-bench', iat: issuedAt, exp: issuedAt + 3600 })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(foreignKey.privateKey);
    // Introspectors reload by NOTIFY: wait until the foreign token is accepted (its first use creates the User).
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(`${server.url}/Patient/bench-read`, { headers: { authorization: `Bearer ${foreignJwt}` } });
      if (response.ok) break;
      if (attempt > 50) throw new Error(`foreign JWT: ${response.status} ${await response.text()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [readOwn, readForeign] = await alternate(
      ROUNDS,
      () => cannon('lockbox: read by id, our own JWT', { url: `${server.url}/Patient/bench-read`, headers: { authorization: `Bearer ${rootJwt}` } }),
      () => cannon('lockbox: read by id, foreign JWT (JIT user)', { url: `${server.url}/Patient/bench-read`, headers: { authorization: `Bearer ${foreignJwt}` } }),
    );

    printTable([
      theirsOpaque,
      { ...opaque, ratio: `${(opaque.rps / theirsOpaque.rps).toFixed(2)} of oidc-provider opaque (goal ≥ 1.0)` },
      theirsJwt,
      { ...jwt, ratio: `${(jwt.rps / theirsJwt.rps).toFixed(2)} of oidc-provider JWT (goal ≥ 1.0)` },
      readBasic,
      { ...readJwt, ratio: `${(readJwt.rps / readBasic.rps).toFixed(2)} of Basic read (goal ≥ 0.9)` },
      readOwn,
      { ...readForeign, ratio: `${(readForeign.rps / readOwn.rps).toFixed(2)} of our own JWT read (goal ≥ 0.9)` },
    ]);
    console.log(`\n${CONNECTIONS} connections, ${SECONDS} s per scenario in ${ROUNDS} alternating rounds (p50: mean, p99: worst round); both servers are single Node processes on loopback; Lockbox on PostgreSQL (pool 10).`);
  } finally {
    await baseline.stop();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
