/**
 * npm run bench:policy — read by id with a bearer token (autocannon, loopback) while the server holds
 *   (a) one `allow` policy linked to the caller's client,
 *   (b) that, plus 100 policies linked to other users and 10 global matcho policies that do not match,
 *   (c) that, plus 10,000 policies linked to other users (and the 10 globals removed again).
 * Prints req/s, p50, p99 and the ratios b/a and c/a (goal ≥ 0.9 both: the cost must not grow with
 * policies that do not concern the caller), then the policy engine's own figures (bench:policy-eval).
 * BENCH_SECONDS (default 8) bounds each scenario.
 */
import { spawnSync } from 'node:child_process';
import autocannon from 'autocannon';
import pg from 'pg';
import { printTable, ROOT_BASIC, startBenchServer, type Figures } from './bench-server';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = 16;

async function call(url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<unknown> {
  const response = await fetch(url, { ...init, headers: { authorization: ROOT_BASIC, 'content-type': 'application/json', ...init.headers } });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Policies straight into the tables (with their history), as a bulk load would; one NOTIFY at commit. */
async function insertPolicies(db: pg.Client, sql: string): Promise<void> {
  await db.query(`with ins as (${sql} returning *) insert into accesspolicy_history select * from ins`);
}

async function main() {
  const server = await startBenchServer();
  const db = new pg.Client({ connectionString: server.dbUrl });
  await db.connect();
  try {
    await call(`${server.url}/fhir/Patient/bench-pt`, { method: 'PUT', body: JSON.stringify({ resourceType: 'Patient', gender: 'female' }) });
    await call(`${server.url}/Client/bench-app`, { method: 'PUT', body: JSON.stringify({ grant_types: ['client_credentials'], secret: 'bench-app-secret' }) });
    await call(`${server.url}/AccessPolicy/bench-app-allow`, { method: 'PUT', body: JSON.stringify({ engine: 'allow', link: [{ id: 'bench-app', resourceType: 'Client' }] }) });
    const token = (await (await fetch(`${server.url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials&client_id=bench-app&client_secret=bench-app-secret' })).json()) as { access_token: string };

    const read = async (name: string): Promise<Figures> => {
      const result = await autocannon({ url: `${server.url}/fhir/Patient/bench-pt`, connections: CONNECTIONS, duration: SECONDS, headers: { authorization: `Bearer ${token.access_token}` } });
      if (result.non2xx) throw new Error(`${name}: ${result.non2xx} responses were not 2xx`);
      return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
    };
    const settle = () => new Promise((resolve) => setTimeout(resolve, 500));

    await read('warm-up');
    const a = await read('(a) one allow policy linked to the client');

    await insertPolicies(db, `insert into accesspolicy (id, txid, cts, ts, resource_type, status, resource)
      select 'other-user-' || g, nextval('txid_seq'), now(), now(), 'AccessPolicy', 'created',
        jsonb_build_object('engine', 'allow', 'link', jsonb_build_array(jsonb_build_object('id', 'someone-' || g, 'resourceType', 'User')))
      from generate_series(1, 100) g`);
    await insertPolicies(db, `insert into accesspolicy (id, txid, cts, ts, resource_type, status, resource)
      select 'global-matcho-' || g, nextval('txid_seq'), now(), now(), 'AccessPolicy', 'created',
        jsonb_build_object('engine', 'matcho', 'matcho', jsonb_build_object('jwt', jsonb_build_object('iss', 'https://issuer-' || g || '.example'), 'request-method', 'post'))
      from generate_series(1, 10) g`);
    await settle();
    const b = await read('(b) + 100 linked to other users, 10 global matcho not matching');

    await db.query(`delete from accesspolicy where id like 'global-matcho-%' or id like 'other-user-%'`);
    await insertPolicies(db, `insert into accesspolicy (id, txid, cts, ts, resource_type, status, resource)
      select 'many-' || g, nextval('txid_seq'), now(), now(), 'AccessPolicy', 'created',
        jsonb_build_object('engine', 'allow', 'link', jsonb_build_array(jsonb_build_object('id', 'someone-' || g, 'resourceType', 'User')))
      from generate_series(1, 10000) g`);
    await settle();
    // The first request after the change compiles the 10,000 policies once; warm it outside the measurement.
    await fetch(`${server.url}/fhir/Patient/bench-pt`, { headers: { authorization: `Bearer ${token.access_token}` } });
    const c = await read('(c) + 10,000 linked to other users');

    printTable([a, { ...b, ratio: `b/a ${(b.rps / a.rps).toFixed(2)} (goal ≥ 0.9)` }, { ...c, ratio: `c/a ${(c.rps / a.rps).toFixed(2)} (goal ≥ 0.9)` }]);
    console.log(`\n${CONNECTIONS} connections, ${SECONDS} s per scenario; server peak RSS ${server.peakRssMb()} MB`);
  } finally {
    await db.end();
    await server.stop();
  }
  console.log('\nThe policy engine alone (bench:policy-eval):');
  spawnSync(process.execPath, ['--import', 'tsx', 'bench/policy-eval.ts'], { stdio: 'inherit', env: { ...process.env, BENCH_ITERATIONS: process.env.BENCH_ITERATIONS ?? '300000' } });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
