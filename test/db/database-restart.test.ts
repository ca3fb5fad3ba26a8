import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SignJWT } from 'jose';
import pg from 'pg';
import { requestToken, userToken } from '../support/auth-factories';
import { startOwnCluster, type OwnCluster } from '../support/own-cluster';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * PostgreSQL restarts, crashes and outages under load, on a cluster of this file's own: the server
 * stays up, answers 503 (never 500) while the database is away, loses no write it acknowledged, and
 * hears of changes again as soon as the database is back.
 */
let cluster: OwnCluster;
let server: TestServer;
let databaseUrl: string;
const JIT_SECRET = 'a-shared-secret-of-the-foreign-issuer-0123456789';
const JIT_ISSUER = 'https://issuer.example';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SQL as an operator (or another server process) runs it, on a connection of its own. */
async function operatorSql(text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: databaseUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Polls until the probe holds; returns how long it took. */
async function within(ms: number, probe: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await probe()) return Date.now() - started;
    if (Date.now() - started > ms) throw new Error(`did not happen within ${ms} ms`);
    await sleep(25);
  }
}

/** The server has its database again: a read that needs it succeeds. */
const serving = () => within(15_000, async () => (await server.http.get('/fhir/Patient?_count=1')).status === 200);

function foreignToken(sub: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ iss: JIT_ISSUER, sub, iat: now, exp: now + 300 }).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(JIT_SECRET));
}

beforeAll(async () => {
  cluster = await startOwnCluster();
  server = await startTestServer({ BOX_SECURITY_INTROSPECTION_CREATE_USER: 'true' }, { databaseServer: cluster.url });
  databaseUrl = server.services.config.databaseUrl!;
  // Foreign service accounts get a local User on first sight (JIT), and may read Patients.
  for (const [type, id, body] of [
    ['IdentityProvider', 'foreign', { system: 'foreign', 'userinfo-source': 'id-token', active: true }],
    ['TokenIntrospector', 'foreign', { type: 'jwt', jwt: { iss: JIT_ISSUER, secret: JIT_SECRET }, identity_provider: { reference: 'IdentityProvider/foreign' } }],
    ['AccessPolicy', 'foreign-read', { engine: 'matcho', matcho: { jwt: { iss: JIT_ISSUER }, 'request-method': 'get' } }],
  ] as const) {
    const response = await server.http.put(`/fhir/${type}/${id}`).send({ resourceType: type, id, ...body });
    expect(response.status).toBeLessThan(300);
  }
}, 120_000);

afterAll(async () => {
  await server?.close().catch(() => undefined);
  await cluster?.destroy();
});

describe('a database restart under load', () => {
  it('leaves the server answering, never with a 500, and loses no acknowledged write', async () => {
    const statuses = new Map<number, number>();
    const count = (status: number) => statuses.set(status, (statuses.get(status) ?? 0) + 1);
    const acknowledged: string[] = [];
    let running = true;

    // Transaction bundles: every Patient of an acknowledged bundle must exist afterwards.
    const bundles = async () => {
      for (let n = 0; running; n++) {
        const response = await server.http.post('/fhir').send({
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [1, 2].map((i) => ({ resource: { resourceType: 'Patient', name: [{ family: `Restart${n}-${i}` }] }, request: { method: 'POST', url: 'Patient' } })),
        });
        count(response.status);
        if (response.status === 200) for (const entry of response.body.entry) acknowledged.push(/Patient\/([^/]+)/.exec(entry.response.location)![1]);
      }
    };
    // Refresh grants, rotating one session's tokens; a lost answer (503) is followed by a new sign-in.
    const { client, user } = await userToken(server, { client: { grant_types: ['password', 'refresh_token'], auth: { password: { refresh_token: true } } } });
    const refreshes = async () => {
      let refresh: string | undefined;
      while (running) {
        const response = refresh
          ? await requestToken(server, { grant_type: 'refresh_token', refresh_token: refresh }, client)
          : await requestToken(server, { grant_type: 'password', username: user.userName, password: user.password }, client);
        count(response.status);
        refresh = response.status === 200 ? response.body.refresh_token : undefined;
      }
    };
    // Foreign tokens of new subjects: each creates its local User in a transaction (JIT).
    const jit = async () => {
      for (let n = 0; running; n++) {
        const response = await server.anonymous.get('/fhir/Patient?_count=1').set('authorization', `Bearer ${await foreignToken(`subject-${n}-${Math.random()}`)}`);
        count(response.status);
      }
    };
    // An sql-engine policy evaluated on every request of one user.
    const sqlUser = await userToken(server, { user: { id: 'sql-reader' } });
    await server.http.put('/AccessPolicy/sql-reader').send({ engine: 'sql', sql: { query: "select {{user.id}} = 'sql-reader'" } }).expect((res) => expect(res.status).toBeLessThan(300));
    const sqlPolicies = async () => {
      while (running) {
        const response = await server.anonymous.get('/fhir/Patient?_count=1').set('authorization', `Bearer ${sqlUser.token.access_token}`);
        count(response.status);
      }
    };

    const load = [bundles(), refreshes(), jit(), sqlPolicies()];
    await sleep(1500);
    await cluster.restart();
    await sleep(1500);
    // A crash: kill -9 of a backend makes the postmaster end every session and recover.
    const { rows } = await operatorSql("select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend' limit 1");
    if (rows[0]) await cluster.killBackend(rows[0].pid);
    await sleep(1500);
    await cluster.restart();
    await sleep(1500);
    running = false;
    await Promise.all(load);

    process.stderr.write(`restart under load: ${JSON.stringify(Object.fromEntries(statuses))}, ${acknowledged.length} acknowledged\n`);
    expect(statuses.get(500)).toBeUndefined();
    expect(statuses.get(200)).toBeGreaterThan(20);
    await serving();
    const ids = [...new Set(acknowledged)];
    const stored = await operatorSql('select count(*)::int as n from patient where id = any($1)', [ids]);
    expect(stored.rows[0].n).toBe(ids.length);
  }, 60_000);
});

describe('after a database restart', () => {
  it('a policy removed by SQL stops applying within a second', async () => {
    const { token } = await userToken(server, { user: { id: 'after-restart' } });
    await server.http.put('/AccessPolicy/after-restart-read').send({ engine: 'allow', link: [{ resourceType: 'User', id: 'after-restart' }] }).expect(201);
    const read = () => server.anonymous.get('/fhir/Patient?_count=1').set('authorization', `Bearer ${token.access_token}`);
    expect((await read()).status).toBe(200);
    await cluster.restart();
    await serving();
    expect((await read()).status).toBe(200);
    await operatorSql("delete from accesspolicy where id = 'after-restart-read'");
    expect(await within(1000, async () => (await read()).status === 403)).toBeLessThan(1000);
  }, 30_000);

  it('a session ended by SQL stops its token within a second, and a removed TokenIntrospector is no longer trusted', async () => {
    const { token } = await userToken(server);
    await server.http.put('/AccessPolicy/any-user-reads').send({ engine: 'matcho', matcho: { user: { id: 'present?' }, 'request-method': 'get' } });
    const withToken = () => server.anonymous.get('/fhir/Patient?_count=1').set('authorization', `Bearer ${token.access_token}`);
    const foreign = await foreignToken('after-restart-subject');
    const withForeign = () => server.anonymous.get('/fhir/Patient?_count=1').set('authorization', `Bearer ${foreign}`);
    expect((await withToken()).status).toBe(200);
    expect((await withForeign()).status).toBe(200);
    await cluster.restart();
    await serving();
    expect((await withToken()).status).toBe(200);
    expect((await withForeign()).status).toBe(200);
    await operatorSql('delete from session');
    await operatorSql("delete from tokenintrospector where id = 'foreign'");
    await within(1000, async () => (await withToken()).status === 401);
    await within(1000, async () => (await withForeign()).status === 401);
  }, 30_000);
});

describe('while the database is down', () => {
  it('the API answers 503 with Retry-After and an OperationOutcome, OAuth endpoints temporarily_unavailable, within 5 s', async () => {
    await serving();
    // A cache is told it may have missed changes when listening stops, and again after every
    // attempt to listen anew that fails: what it took in meanwhile (from a pool that may still
    // serve) is never kept for long.
    let missed = 0;
    await server.services.db.changes.subscribe({ changeTypes: ['Client'], onChange: () => undefined, onMissed: () => void (missed += 1) });
    await cluster.stop('immediate');
    try {
      let started = Date.now();
      const read = await server.http.get('/fhir/Patient?_count=1');
      expect(Date.now() - started).toBeLessThan(5000);
      expect(read.status).toBe(503);
      expect(read.headers['retry-after']).toMatch(/^\d+$/);
      expect(read.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'transient' }] });

      started = Date.now();
      const token = await requestToken(server, { grant_type: 'client_credentials' }, { id: 'root', secret: 'root-secret-for-tests' });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(token.status).toBe(503);
      expect(token.headers['retry-after']).toMatch(/^\d+$/);
      expect(token.body).toMatchObject({ error: 'temporarily_unavailable' });
      expect(server.logs.some((line) => line.includes('the database is unavailable'))).toBe(true);
      await within(3000, async () => missed >= 3);
    } finally {
      await cluster.start();
    }
    await serving();
  }, 40_000);
});
