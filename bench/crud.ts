/**
 * npm run bench:crud — read by id, create and update through the server (autocannon, loopback),
 * and the same read and insert done by a bare `pg` pool with prepared statements as the baseline,
 * in the same run, in alternating rounds. Goals: read ≥ 0.5 of bare, create ≥ 0.4 of bare, server peak RSS < 300 MB.
 * BENCH_SECONDS (default 8) bounds each scenario; BENCH_CONNECTIONS (default 16) is the concurrency.
 */
import autocannon from 'autocannon';
import pg from 'pg';
import { alternate, loop, printTable, ROOT_BASIC, startBenchServer, type Figures } from './bench-server';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SEED = 1000;
/** Each comparison runs as ROUNDS alternating rounds of SECONDS / ROUNDS per side. */
const ROUNDS = 4;
const patient = { resourceType: 'Patient', name: [{ family: 'Bench', given: ['Mark'] }], gender: 'female', birthDate: '1980-02-03' };

async function cannon(name: string, url: string, options: Partial<autocannon.Options>): Promise<Figures> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS / ROUNDS, headers: { authorization: ROOT_BASIC, 'content-type': 'application/json' }, ...options });
  if (result.non2xx) throw new Error(`${name}: ${result.non2xx} responses were not 2xx`);
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
}

const pick = (ids: string[]) => ids[Math.floor(Math.random() * ids.length)];

async function main() {
  const server = await startBenchServer();
  try {
    const ids: string[] = [];
    for (let i = 0; i < SEED; i++) ids.push(`seed-${i}`);
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = worker; i < SEED; i += 8) {
          const response = await fetch(`${server.url}/fhir/Patient/${ids[i]}`, { method: 'PUT', headers: { authorization: ROOT_BASIC, 'content-type': 'application/json' }, body: JSON.stringify(patient) });
          if (!response.ok) throw new Error(`seeding failed: ${response.status} ${await response.text()}`);
        }
      }),
    );

    // JIT warm-up, not measured.
    await cannon('warm-up', server.url, { duration: 3, requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/fhir/Patient/${pick(ids)}` }) }] });
    // Baseline: the same statements from a bare pg pool of the server's size (10), prepared.
    const pool = new pg.Pool({ connectionString: server.dbUrl, max: 10 });
    const readSql = 'select id, txid, cts, ts, status, resource from patient where id = $1';
    const insertSql = `with ins as (
        insert into patient (id, txid, cts, ts, resource_type, status, resource)
        values ($1, nextval('txid_seq'), now(), now(), 'Patient', 'created', $2::jsonb) returning *
      ), hist as (insert into patient_history select * from ins) select id, txid, cts, ts from ins`;
    const body = JSON.stringify({ name: patient.name, gender: patient.gender, birthDate: patient.birthDate });
    let n = 0;
    const [read, bareRead] = await alternate(
      ROUNDS,
      () => cannon('server: read by id', server.url, { requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: `/fhir/Patient/${pick(ids)}` }) }] }),
      () => loop('bare pg: read by id', SECONDS / ROUNDS, CONNECTIONS, async () => {
        const result = await pool.query({ name: 'bench-read', text: readSql, values: [pick(ids)] });
        JSON.stringify(result.rows[0]);
      }),
    );
    const [create, bareInsert] = await alternate(
      ROUNDS,
      () => cannon('server: create', `${server.url}/fhir/Patient`, { method: 'POST', body: JSON.stringify(patient) }),
      () => loop('bare pg: insert', SECONDS / ROUNDS, CONNECTIONS, async () => {
        await pool.query({ name: 'bench-insert', text: insertSql, values: [`bare-${process.pid}-${n++}`, body] });
      }),
    );
    const update = await cannon('server: update', server.url, { duration: SECONDS, requests: [{ method: 'PUT', body: JSON.stringify(patient), setupRequest: (req) => ({ ...req, path: `/fhir/Patient/${pick(ids)}` }) }] });
    await pool.end();

    printTable([
      { ...read, ratio: `${(read.rps / bareRead.rps).toFixed(2)} of bare read (goal ≥ 0.5)` },
      { ...create, ratio: `${(create.rps / bareInsert.rps).toFixed(2)} of bare insert (goal ≥ 0.4)` },
      update,
      bareRead,
      bareInsert,
    ]);
    console.log(`\nserver peak RSS: ${server.peakRssMb()} MB (goal < 300 MB); ${CONNECTIONS} connections, ${SECONDS} s per scenario (${ROUNDS} alternating rounds against the baseline), pool 10`);
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
