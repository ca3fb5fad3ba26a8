/**
 * npm run bench:smart — a SMART app's patient-scoped search against the same search by an
 * unscoped administrator, in the same run; goal: the scoped rate ≥ 0.8× the unscoped one (the
 * launch patient's compartment is an index condition in SQL, not a filter applied afterwards).
 * Data: 100,000 Observations of 10,000 Patients (10 each, two of each of 5 LOINC codes), seeded
 * with SQL straight into the tables and their history (bench:crud measures the write path).
 *  - administrator: root Basic, `GET /fhir/Observation?code=<code>&subject=Patient/<p>`;
 *  - SMART app: a patient/Observation.rs token from an EHR launch (SMART App Launch 2.x §EHR
 *    launch: aidbox.smart/get-launch-uri → /auth/authorize with `launch` → /auth/token), one per
 *    patient for 200 patients, `GET /fhir/Observation?code=<code>`: the server adds the compartment.
 * Both sides draw from the same 200 patients, so both read the same rows; each request returns 2.
 * BENCH_SECONDS (default 8) bounds each side, run in alternating rounds; BENCH_CONNECTIONS
 * (default 16) is the concurrency (autocannon, loopback, keep-alive).
 */
import { createHash, randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { alternate, printTable, ROOT_BASIC, startBenchServer, type Figures } from './bench-server';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = 4;
const PATIENTS = 10_000;
const PER_PATIENT = 10;
const LAUNCHED = 200;
// Heart rate, systolic and diastolic blood pressure, body temperature, respiratory rate.
const CODES = ['8867-4', '8480-6', '8462-4', '8310-5', '9279-1'];
const LOINC = 'http://loinc.org';
const CLIENT_ID = 'bench-smart-app';
// Nothing listens there: the flow reads the code off the Location header, never follows it.
const REDIRECT_URI = 'http://127.0.0.1:1/index.html';
const USER = { id: 'bench-clinician', userName: 'bench-clinician', password: 'bench-clinician-password-0123456789' };

const patientId = (n: number) => `pt${n}`;
/** The launched patients, spread over the whole set: pt1, pt51, pt101, … */
const POOL = Array.from({ length: LAUNCHED }, (_, i) => patientId(1 + i * (PATIENTS / LAUNCHED)));
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)];
const codeQuery = (code: string) => `code=${encodeURIComponent(`${LOINC}|${code}`)}`;

/**
 * Observation g belongs to patient ((g-1) mod 10,000) + 1, so one patient's rows lie far apart in
 * the table as they would when recorded over time; its code is the ⌊(g-1)/10,000⌋ mod 5-th.
 */
async function seed(dbUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const started = performance.now();
    await client.query(`insert into patient (id, txid, resource_type, status, resource)
      select 'pt' || g, nextval('txid_seq'), 'Patient', 'created', jsonb_build_object(
        'name', jsonb_build_array(jsonb_build_object('family', 'Fam' || g, 'given', jsonb_build_array('Giv' || g))),
        'gender', case when g % 2 = 0 then 'female' else 'male' end,
        'birthDate', to_char(date '1930-01-01' + (g % 30000), 'YYYY-MM-DD'))
      from generate_series(1, $1::int) as g`, [PATIENTS]);
    await client.query(`insert into observation (id, txid, resource_type, status, resource)
      select 'obs' || g, nextval('txid_seq'), 'Observation', 'created', jsonb_build_object(
        'status', 'final',
        'code', jsonb_build_object('coding', jsonb_build_array(jsonb_build_object('system', $3::text, 'code', ($4::text[])[1 + ((g - 1) / $1) % 5]))),
        'subject', jsonb_build_object('id', 'pt' || (1 + (g - 1) % $1), 'resourceType', 'Patient'),
        'effectiveDateTime', to_char(timestamp '2020-01-01' + make_interval(hours => g), 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
        'valueQuantity', jsonb_build_object('value', 40 + g % 100, 'unit', '1', 'system', 'http://unitsofmeasure.org', 'code', '1'))
      from generate_series(1, $2::int) as g`, [PATIENTS, PATIENTS * PER_PATIENT, LOINC, CODES]);
    await client.query('insert into patient_history select * from patient');
    await client.query('insert into observation_history select * from observation');
    await client.query('vacuum analyze patient');
    await client.query('vacuum analyze observation');
    console.log(`seeded ${PATIENTS} Patients and ${PATIENTS * PER_PATIENT} Observations with SQL in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await client.end();
  }
}

async function call(url: string, init: RequestInit & { headers?: Record<string, string> } = {}): Promise<Response> {
  const response = await fetch(url, { redirect: 'manual', ...init });
  if (response.status >= 400) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return response;
}

const asRoot = (method: string, body: unknown) => ({ method, headers: { authorization: ROOT_BASIC, 'content-type': 'application/json' }, body: JSON.stringify(body) });
const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

/** The SMART app, the clinician who launches it, and a policy that lets the app's scopes alone decide. */
async function register(baseUrl: string): Promise<void> {
  await call(`${baseUrl}/User/${USER.id}`, asRoot('PUT', { userName: USER.userName, password: USER.password }));
  await call(
    `${baseUrl}/Client/${CLIENT_ID}`,
    asRoot('PUT', {
      grant_types: ['authorization_code'],
      first_party: true,
      scope: ['launch', 'launch/patient', 'openid', 'fhirUser', 'patient/Observation.rs'],
      smart: { launch_uri: 'http://127.0.0.1:1/launch.html', name: 'Bench SMART app' },
      auth: { authorization_code: { redirect_uri: REDIRECT_URI, secret_required: false, pkce: true } },
    }),
  );
  await call(`${baseUrl}/AccessPolicy/bench-smart-app`, asRoot('PUT', { engine: 'smart-on-fhir', link: [{ id: CLIENT_ID, resourceType: 'Client' }] }));
}

async function signIn(baseUrl: string): Promise<string> {
  const response = await call(`${baseUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: USER.userName, password: USER.password }) });
  const asid = response.headers.getSetCookie().find((cookie) => cookie.startsWith('asid='));
  if (!asid) throw new Error('POST /auth/login set no asid cookie');
  return asid.split(';')[0];
}

/** One EHR launch of the app for `patient`, as the clinician signed in with `asid`: its access token. */
async function launch(baseUrl: string, asid: string, patient: string): Promise<string> {
  const iss = `${baseUrl}/fhir`;
  const rpc = await call(`${baseUrl}/rpc`, asRoot('POST', { method: 'aidbox.smart/get-launch-uri', params: { client: { id: CLIENT_ID }, user: { id: USER.id }, iss, ctx: { patient } } }));
  const { result } = (await rpc.json()) as { result?: { launch?: string } };
  if (!result?.launch) throw new Error(`aidbox.smart/get-launch-uri answered without a launch: ${JSON.stringify(result)}`);

  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(12).toString('base64url');
  const query = form({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    scope: 'launch patient/Observation.rs',
    state,
    aud: iss,
    launch: result.launch,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const authorized = await call(`${baseUrl}/auth/authorize?${query}`, { headers: { cookie: asid } });
  const location = authorized.headers.get('location');
  const answer = location?.startsWith(REDIRECT_URI) ? new URL(location).searchParams : undefined;
  const code = answer?.get('code');
  if (!code || answer?.get('state') !== state) throw new Error(`authorize answered ${authorized.status} ${location ?? (await authorized.text()).slice(0, 300)}`);

  const token = await call(`${baseUrl}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier, client_id: CLIENT_ID }),
  });
  const tokens = (await token.json()) as { access_token?: string; patient?: string; scope?: string };
  if (!tokens.access_token || tokens.patient !== patient) throw new Error(`token response for ${patient}: ${JSON.stringify(tokens).slice(0, 300)}`);
  return tokens.access_token;
}

interface Search {
  name: string;
  /** The path and authorization of one request, drawn afresh for each. */
  next(): { path: string; authorization: string };
}

const administrator: Search = {
  name: 'administrator (root Basic): Observation?code=…&subject=Patient/…',
  next: () => ({ path: `/fhir/Observation?${codeQuery(pick(CODES))}&subject=Patient/${pick(POOL)}`, authorization: ROOT_BASIC }),
};

const smartApp = (tokens: readonly string[]): Search => ({
  name: `SMART app (patient/Observation.rs, ${tokens.length} launches): Observation?code=…`,
  next: () => ({ path: `/fhir/Observation?${codeQuery(pick(CODES))}`, authorization: `Bearer ${pick(tokens)}` }),
});

function cannon(baseUrl: string, search: Search, seconds: number): () => Promise<Figures> {
  return async () => {
    const result = await autocannon({
      url: baseUrl,
      connections: CONNECTIONS,
      duration: seconds,
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => {
            const { path, authorization } = search.next();
            return { ...req, path, headers: { ...req.headers, authorization } };
          },
        },
      ],
    });
    if (result.non2xx || result.errors) throw new Error(`${search.name}: ${result.non2xx} responses were not 2xx, ${result.errors} errors`);
    return { name: search.name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
  };
}

interface SearchSet {
  entry?: Array<{ resource: { id: string; subject?: { reference?: string } } }>;
}

/** Both sides find the same two Observations of a patient; the app's search alone finds no more. */
async function checkSameResults(baseUrl: string, patient: string, token: string): Promise<void> {
  const ids = async (path: string, authorization: string) => {
    const bundle = (await (await call(`${baseUrl}${path}`, { headers: { authorization } })).json()) as SearchSet;
    return (bundle.entry ?? []).map((entry) => entry.resource.id).sort();
  };
  const query = codeQuery(CODES[0]);
  const theirs = await ids(`/fhir/Observation?${query}&subject=Patient/${patient}`, ROOT_BASIC);
  const ours = await ids(`/fhir/Observation?${query}`, `Bearer ${token}`);
  if (theirs.length !== 2 || ours.join() !== theirs.join()) throw new Error(`for ${patient}: the administrator found [${theirs}], the app [${ours}]`);
}

/**
 * Whether the app's searches were answered through the GIN index: the table's and the index's scan
 * counters (pg_stat_user_tables / _indexes) around a burst of them. Server backends report their
 * counts when idle, within PGSTAT_IDLE_INTERVAL (10 s) at the latest, so this waits for them.
 */
async function indexUse(dbUrl: string, burst: () => Promise<number>): Promise<string> {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    const counters = async () => {
      const { rows } = await client.query<{ seq_scan: string; gin_scan: string }>(
        `select t.seq_scan, i.idx_scan as gin_scan from pg_stat_user_tables t join pg_stat_user_indexes i on i.relid = t.relid
          where t.relname = 'observation' and i.indexrelname = 'observation_resource_gin'`,
      );
      return { seq: Number(rows[0].seq_scan), gin: Number(rows[0].gin_scan) };
    };
    const before = await counters();
    const searches = await burst();
    let after = await counters();
    for (const deadline = Date.now() + 15_000; after.gin - before.gin < searches && Date.now() < deadline; after = await counters()) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return `${searches} of the app's searches: ${after.gin - before.gin} scans of observation_resource_gin (GIN, jsonb_path_ops), ${after.seq - before.seq} sequential scans of observation`;
  } finally {
    await client.end();
  }
}

async function main() {
  const server = await startBenchServer({ BOX_ADMIN_PASSWORD: 'bench-admin-password-0123456789' });
  try {
    await seed(server.dbUrl);
    await register(server.url);
    const asid = await signIn(server.url);
    const started = performance.now();
    const tokens: string[] = [];
    for (const patient of POOL) tokens.push(await launch(server.url, asid, patient));
    console.log(`${tokens.length} EHR launches (rpc, authorize, token) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await checkSameResults(server.url, POOL[0], tokens[0]);
    await checkSameResults(server.url, POOL[LAUNCHED - 1], tokens[LAUNCHED - 1]);

    const app = smartApp(tokens);
    // A second of each first, so the first measured round does not carry the warm-up.
    await cannon(server.url, administrator, 1)();
    await cannon(server.url, app, 1)();
    const [unscoped, scoped] = await alternate(ROUNDS, cannon(server.url, administrator, SECONDS / ROUNDS), cannon(server.url, app, SECONDS / ROUNDS));
    printTable([unscoped, { ...scoped, ratio: `${(scoped.rps / unscoped.rps).toFixed(2)} of the administrator's rate (goal ≥ 0.8)` }]);

    const plan = await indexUse(server.dbUrl, async () => {
      let sent = 0;
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          for (let i = 0; i < 1000 / CONNECTIONS; i++, sent++) {
            const { path, authorization } = app.next();
            await (await call(`${server.url}${path}`, { headers: { authorization } })).arrayBuffer();
          }
        }),
      );
      return sent;
    });
    console.log(
      `\n${CONNECTIONS} connections, ${SECONDS} s per side in ${ROUNDS} alternating rounds (p50: mean, p99: worst round); each search returns 2 of the 100,000 Observations;` +
        ` server peak RSS ${server.peakRssMb()} MB, pool 10.\n${plan}.`,
    );
  } finally {
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
