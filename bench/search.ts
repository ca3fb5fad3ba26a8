/**
 * npm run bench:search — search over 100,000 Patients through the server (autocannon, loopback):
 * by a token parameter (identifier) and by a string parameter (name, prefix), then 100-entry
 * transaction bundles; and what a total costs: a one-row page of all of them without and with
 * `_total=accurate`, one request at a time for 2 s each. Goals: indexed search p99 < 20 ms at
 * concurrency 16; bundle ≥ 2,000 resources/s.
 * The rows are seeded with SQL straight into the table and its history (the server's own write path
 * is what bench:crud measures). BENCH_SECONDS (default 10) bounds each scenario;
 * BENCH_CONNECTIONS (default 16) is the search concurrency, BENCH_BUNDLE_CONNECTIONS (default 4) the bundles'.
 */
import autocannon from 'autocannon';
import pg from 'pg';
import { loop, printTable, ROOT_BASIC, startBenchServer, type Figures } from './bench-server';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const BUNDLE_CONNECTIONS = Number(process.env.BENCH_BUNDLE_CONNECTIONS ?? 4);
const ROWS = 100_000;
const BUNDLE_SIZE = 100;

async function cannon(name: string, url: string, options: Partial<autocannon.Options>, connections = CONNECTIONS): Promise<Figures> {
  const result = await autocannon({ url, connections, duration: SECONDS, headers: { authorization: ROOT_BASIC, 'content-type': 'application/json' }, ...options });
  if (result.non2xx || result.errors) throw new Error(`${name}: ${result.non2xx} responses were not 2xx, ${result.errors} errors`);
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

async function seed(dbUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const started = performance.now();
    await client.query(`insert into patient (id, txid, resource_type, status, resource)
      select 'p' || g, nextval('txid_seq'), 'Patient', 'created', jsonb_build_object(
        'name', jsonb_build_array(jsonb_build_object('family', 'Fam' || g, 'given', jsonb_build_array('Giv' || (g % 1000)))),
        'identifier', jsonb_build_array(jsonb_build_object('system', 'urn:mrn', 'value', 'm' || g)),
        'gender', case when g % 2 = 0 then 'female' else 'male' end,
        'birthDate', to_char(date '1930-01-01' + (g % 30000), 'YYYY-MM-DD'))
      from generate_series(1, $1::int) as g`, [ROWS]);
    await client.query(`insert into patient_history select * from patient`);
    await client.query('vacuum analyze patient');
    console.log(`seeded ${ROWS} Patients with SQL in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await client.end();
  }
}

/** One request at a time: the latency of the page itself, not of a queue. */
function sequential(name: string, url: string): Promise<Figures> {
  return loop(name, 2, 1, async () => {
    const response = await fetch(url, { headers: { authorization: ROOT_BASIC } });
    if (!response.ok) throw new Error(`${name}: ${response.status}`);
    await response.arrayBuffer();
  });
}

const random = () => 1 + Math.floor(Math.random() * ROWS);

function bundle(): string {
  return JSON.stringify({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: Array.from({ length: BUNDLE_SIZE }, (_, i) => ({
      fullUrl: `urn:uuid:00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resource: { resourceType: 'Patient', name: [{ family: 'Bundle', given: [`N${i}`] }], identifier: [{ system: 'urn:bench', value: String(i) }], birthDate: '1990-01-01' },
      request: { method: 'POST', url: 'Patient' },
    })),
  });
}

async function main() {
  const server = await startBenchServer();
  try {
    await seed(server.dbUrl);
    // The floor on this machine: the cheapest request that reads one row.
    const read = await cannon('reference: read by id', server.url, {
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/fhir/Patient/p${random()}` }) }],
    });
    const token = await cannon('search: token (identifier=urn:mrn|m…)', server.url, {
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/fhir/Patient?identifier=urn:mrn|m${random()}` }) }],
    });
    const string = await cannon('search: string (name=fam…, prefix)', server.url, {
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/fhir/Patient?name=fam${random()}` }) }],
    });
    const uncounted = await sequential('search: one-row page (_count=1), no total', `${server.url}/fhir/Patient?_count=1`);
    const counted = await sequential('search: one-row page (_count=1), _total=accurate', `${server.url}/fhir/Patient?_count=1&_total=accurate`);
    const transaction = await cannon(`transaction: ${BUNDLE_SIZE}-entry bundle`, `${server.url}/fhir`, { method: 'POST', body: bundle() }, BUNDLE_CONNECTIONS);
    printTable([
      read,
      { ...token, ratio: `p99 goal < 20 ms (${token.p99 < 20 ? 'met' : 'missed'})` },
      { ...string, ratio: `p99 goal < 20 ms (${string.p99 < 20 ? 'met' : 'missed'})` },
      uncounted,
      { ...counted, ratio: `${(counted.p50 / uncounted.p50).toFixed(1)}× the page without a total` },
      { ...transaction, ratio: `${(transaction.rps * BUNDLE_SIZE).toFixed(0)} resources/s (goal ≥ 2000)` },
    ]);
    console.log(`\nserver peak RSS: ${server.peakRssMb()} MB; ${CONNECTIONS} connections for searches, ${BUNDLE_CONNECTIONS} for bundles, ${SECONDS} s per scenario, pool 10`);
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
