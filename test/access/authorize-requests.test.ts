import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, userToken } from '../support/auth-factories';
import { ADMIN_PASSWORD, ROOT_SECRET, startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  await server.http.put('/fhir/Patient/pt-1').send({ resourceType: 'Patient' }).expect(201);
});
afterAll(async () => {
  await server.close();
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
let policyCount = 0;
async function putPolicy(body: Record<string, unknown>, id = `policy-${++policyCount}`): Promise<string> {
  const response = await server.http.put(`/AccessPolicy/${id}`).send(body);
  if (response.status >= 300) throw new Error(`AccessPolicy/${id}: ${response.status} ${JSON.stringify(response.body)}`);
  return id;
}

describe('default deny', () => {
  it('refuses a request without credentials with 401, issue code login', async () => {
    const response = await server.anonymous.get('/fhir/Patient/pt-1').expect(401);
    expect(response.body.issue[0].code).toBe('login');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('refuses a known identity that no policy allows with 403 forbidden, saying nothing about policies', async () => {
    const { token } = await userToken(server);
    const response = await server.anonymous.get('/fhir/Patient/pt-1').set(bearer(token.access_token)).expect(403);
    expect(response.body.issue[0].code).toBe('forbidden');
    expect(JSON.stringify(response.body)).not.toMatch(/polic/i);
  });

  it('gives root and admin their access through ordinary allow policies that can be read like any other', async () => {
    const { body } = await server.http.get('/AccessPolicy/root-client-full-access').expect(200);
    expect(body).toMatchObject({ engine: 'allow', link: [{ id: 'root', resourceType: 'Client' }] });
    await server.http.get('/AccessPolicy/admin-user-full-access').expect(200);
    await server.anonymous.get('/fhir/Patient/pt-1').auth('root', ROOT_SECRET).expect(200);
  });

  it('needs no policy for the public endpoints', async () => {
    await server.anonymous.get('/health').expect(200);
    await server.anonymous.get('/fhir/metadata').expect(200);
    await server.anonymous.get('/.well-known/openid-configuration').expect(200);
  });
});

describe('which policies count', () => {
  it('a policy linked to a User allows that user and nobody else', async () => {
    const alice = await userToken(server);
    const bob = await userToken(server);
    await putPolicy({ engine: 'allow', link: [{ id: alice.user.id, resourceType: 'User' }] });
    await server.anonymous.get('/fhir/Patient/pt-1').set(bearer(alice.token.access_token)).expect(200);
    await server.anonymous.get('/fhir/Patient/pt-1').set(bearer(bob.token.access_token)).expect(403);
  });

  it('a policy linked to a Client allows that client', async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    await server.anonymous.get('/fhir/Patient/pt-1').auth(client.id, client.secret).expect(403);
    await putPolicy({ engine: 'allow', link: [{ id: client.id, resourceType: 'Client' }] });
    await server.anonymous.get('/fhir/Patient/pt-1').auth(client.id, client.secret).expect(200);
  });

  it('a policy linked to an Operation allows that operation only', async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    await putPolicy({ engine: 'matcho', link: [{ id: 'FhirRead', resourceType: 'Operation' }], matcho: { client: { id: client.id } } });
    await server.anonymous.get('/fhir/Patient/pt-1').auth(client.id, client.secret).expect(200);
    await server.anonymous.post('/fhir/Patient').auth(client.id, client.secret).send({ resourceType: 'Patient' }).expect(403);
    await server.anonymous.get('/Patient/pt-1').auth(client.id, client.secret).expect(403);
  });

  it('accepts an Operation link in FHIR format and stores it as {id, resourceType}', async () => {
    const { body } = await server.http.post('/fhir/AccessPolicy').send({ resourceType: 'AccessPolicy', engine: 'allow', link: [{ reference: 'Operation/FhirCapabilities' }] }).expect(201);
    expect(body.link).toEqual([{ reference: 'Operation/FhirCapabilities' }]);
    const [row] = await server.sql<{ link: unknown }>(`select resource->'link' as link from accesspolicy where id = $1`, [body.id]);
    expect(row.link).toEqual([{ id: 'FhirCapabilities', resourceType: 'Operation' }]);
  });

  it('a roleName policy allows the users holding a Role of that name, and sees that Role', async () => {
    const nurse = await userToken(server);
    const other = await userToken(server);
    await server.http.post('/Role').send({ name: 'nurse', user: { id: nurse.user.id, resourceType: 'User' }, links: { patient: { id: 'pt-1', resourceType: 'Patient' } } }).expect(201);
    await putPolicy({ engine: 'matcho', roleName: 'nurse', matcho: { params: { 'resource/id': '.role.links.patient.id' } } });
    await server.anonymous.get('/fhir/Patient/pt-1').set(bearer(nurse.token.access_token)).expect(200);
    await server.http.put('/fhir/Patient/pt-2').send({ resourceType: 'Patient' }).expect(201);
    await server.anonymous.get('/fhir/Patient/pt-2').set(bearer(nurse.token.access_token)).expect(403);
    await server.anonymous.get('/fhir/Patient/pt-1').set(bearer(other.token.access_token)).expect(403);
  });

  it('a global matcho policy on the token issuer allows callers with such a JWT (the tutorial shape)', async () => {
    const isolated = await startTestServer();
    try {
      const { token } = await userToken(isolated, { client: { auth: { password: { token_format: 'jwt' } } } });
      await isolated.anonymous.get('/fhir/Patient').set(bearer(token.access_token)).expect(403);
      await isolated.http.put('/fhir/AccessPolicy/issuer-users-policy').set('content-type', 'text/yaml').send('resourceType: AccessPolicy\nengine: matcho\nmatcho:\n  jwt:\n    iss: http://localhost:8080\n').expect(201);
      await isolated.anonymous.get('/fhir/Patient').set(bearer(token.access_token)).expect(200);
      const opaque = await userToken(isolated);
      await isolated.anonymous.get('/fhir/Patient').set(bearer(opaque.token.access_token)).expect(403);
    } finally {
      await isolated.close();
    }
  });

  it('a matcho policy on the request lets a client read Patients and nothing else', async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    await putPolicy({ engine: 'matcho', matcho: { client: { id: client.id }, 'request-method': 'get', params: { 'resource/type': 'Patient' } } });
    await server.anonymous.get('/fhir/Patient/pt-1').auth(client.id, client.secret).expect(200);
    await server.anonymous.get('/fhir/Observation').auth(client.id, client.secret).expect(403);
    await server.anonymous.delete('/fhir/Patient/pt-1').auth(client.id, client.secret).expect(403);
  });
});

describe('policies that cannot work are refused when written', () => {
  it.each([
    ['a bad regular expression', { engine: 'matcho', matcho: { uri: '#^/Patient/(' } }],
    ['an unknown engine', { engine: 'telepathy' }],
    ['and and or at one level', { engine: 'complex', and: [{ engine: 'allow' }], or: [{ engine: 'allow' }] }],
    ['a json-schema that does not compile', { engine: 'json-schema', schema: { type: 'no-such-type' } }],
    ['SQL with a syntax error', { engine: 'sql', sql: { query: 'selec true' } }],
  ])('refuses %s with 422 saying what is wrong', async (_name, policy) => {
    const response = await server.http.post('/AccessPolicy').send(policy);
    expect(response.status).toBe(422);
    expect(response.body.issue[0].diagnostics.length).toBeGreaterThan(10);
  });
});

describe('bundles', () => {
  it('a transaction needs a policy for the bundle itself and for each entry; a denied entry fails it whole', async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', id: 'tx-allowed' }, request: { method: 'PUT', url: 'Patient/tx-allowed' } },
        { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' } }, request: { method: 'POST', url: 'Observation' } },
      ],
    };
    await putPolicy({ engine: 'matcho', link: [{ id: client.id, resourceType: 'Client' }], matcho: { params: { 'resource/type': 'Patient' } } });
    await server.anonymous.post('/fhir').auth(client.id, client.secret).send(bundle).expect(403);
    await putPolicy({ engine: 'matcho', link: [{ id: client.id, resourceType: 'Client' }], matcho: { operation: { id: 'FhirTransaction' } } });
    const refused = await server.anonymous.post('/fhir').auth(client.id, client.secret).send(bundle).expect(403);
    expect(refused.body.resourceType).toBe('OperationOutcome');
    expect(await server.sql(`select id from patient where id = 'tx-allowed'`)).toHaveLength(0);
  });

  it('a batch gives a denied entry its own 403 and runs the others', async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    await putPolicy({ engine: 'matcho', link: [{ id: client.id, resourceType: 'Client' }], matcho: { operation: { id: { $enum: ['FhirTransaction', 'FhirUpdate'] } } } });
    const { body } = await server.anonymous
      .post('/fhir')
      .auth(client.id, client.secret)
      .send({
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { resource: { resourceType: 'Patient', id: 'batch-ok' }, request: { method: 'PUT', url: 'Patient/batch-ok' } },
          { request: { method: 'DELETE', url: 'Patient/pt-1' } },
        ],
      })
      .expect(200);
    expect(body.entry[0].response.status).toMatch(/^201/);
    expect(body.entry[1].response.status).toMatch(/^403/);
    await server.http.get('/fhir/Patient/pt-1').expect(200);
  });
});

describe('seeing why', () => {
  it('shows an administrator the request as policies saw it and each candidate with its result', async () => {
    const { user, token } = await userToken(server);
    await putPolicy({ engine: 'matcho', link: [{ id: user.id, resourceType: 'User' }], matcho: { 'request-method': 'post' } }, 'why-1');
    const response = await server.anonymous.get(`/fhir/Patient/pt-1`).set(bearer(token.access_token)).expect(403);
    expect(response.body.issue[0].code).toBe('forbidden');
    const admin = await server.anonymous.post('/auth/token').type('form').send({ grant_type: 'client_credentials', client_id: 'root', client_secret: ROOT_SECRET });
    // The administrator asks about the user's request by replaying its shape with x-debug.
    const explained = await server.http.get('/fhir/Patient/pt-1?_debug=policy').expect(200);
    expect(explained.body).toMatchObject({ resourceType: 'AccessDecision', allowed: true, decidedBy: 'root-client-full-access' });
    expect(explained.body.request).toMatchObject({ 'request-method': 'get', uri: '/fhir/Patient/pt-1', operation: { id: 'FhirRead' }, params: { 'resource/type': 'Patient', 'resource/id': 'pt-1' } });
    expect(explained.body.request.headers.authorization).toBeUndefined();
    expect(admin.status).toBe(200);
  });

  it('names the first matcho path that failed with expected and actual values', async () => {
    const dev = await startTestServer({ BOX_SECURITY_DEV_MODE: 'true' });
    try {
      const { user, token } = await userToken(dev);
      await dev.http.put('/AccessPolicy/only-posts').send({ engine: 'matcho', link: [{ id: user.id, resourceType: 'User' }], matcho: { 'request-method': 'post' } }).expect(201);
      const { body } = await dev.anonymous.get('/fhir/Patient').set(bearer(token.access_token)).set('x-debug', 'policy').expect(200);
      expect(body.allowed).toBe(false);
      const candidate = body.candidates.find((c: { policy: string }) => c.policy === 'only-posts');
      expect(candidate.decision.explanation.mismatch).toMatchObject({ path: 'request-method', expected: 'post', actual: 'get' });
      expect(body.request.user.password).toBeUndefined();
    } finally {
      await dev.close();
    }
  });

  it('ignores x-debug from a caller who is not an administrator', async () => {
    const { token } = await userToken(server);
    const response = await server.anonymous.get('/fhir/Patient/pt-1').set(bearer(token.access_token)).set('x-debug', 'policy').expect(403);
    expect(response.body.resourceType).toBe('OperationOutcome');
  });

  it('POST /auth/test-policy evaluates a policy against a made-up request', async () => {
    const policy = { engine: 'matcho', matcho: { 'request-method': 'get', params: { 'resource/type': { $enum: ['Patient', 'Observation'] } } } };
    const allowed = await server.http.post('/auth/test-policy').send({ policy, request: { 'request-method': 'get', params: { 'resource/type': 'Patient' } } }).expect(200);
    expect(allowed.body.decision.effect).toBe('allow');
    const denied = await server.http.post('/auth/test-policy').send({ policy, request: { 'request-method': 'get', params: { 'resource/type': 'Encounter' } } }).expect(200);
    expect(denied.body.decision.effect).toBe('not-applicable');
    await server.http.post('/auth/test-policy').send({ policy: { engine: 'matcho', matcho: { uri: '#(' } }, request: {} }).expect(422);
    const { token } = await userToken(server);
    await server.anonymous.post('/auth/test-policy').set(bearer(token.access_token)).send({ policy, request: {} }).expect(403);
    await server.anonymous.post('/auth/test-policy').send({ policy, request: {} }).expect(401);
  });
});

describe('a change takes effect on the next request', () => {
  it('in the process that made it', async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    const id = await putPolicy({ engine: 'allow', link: [{ id: client.id, resourceType: 'Client' }] });
    await server.anonymous.get('/fhir/Patient/pt-1').auth(client.id, client.secret).expect(200);
    await server.http.delete(`/AccessPolicy/${id}`).expect(200);
    await server.anonymous.get('/fhir/Patient/pt-1').auth(client.id, client.secret).expect(403);
  });

  it('in another server process on the same database (LISTEN/NOTIFY)', async () => {
    const databaseUrl = server.services.config.databaseUrl;
    if (!databaseUrl) throw new Error('this test needs PostgreSQL');
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, PORT: String(port), DATABASE_URL: databaseUrl, BOX_WEB_BASE_URL: 'http://localhost:8080', BOX_LOG_LEVEL: 'warn', BOX_ROOT_CLIENT_SECRET: ROOT_SECRET, BOX_ADMIN_PASSWORD: ADMIN_PASSWORD, NODE_OPTIONS: '' },
      stdio: 'ignore',
    });
    try {
      const other = `http://127.0.0.1:${port}`;
      for (let attempt = 0; ; attempt++) {
        if ((await fetch(`${other}/health`).catch(() => undefined))?.ok) break;
        if (attempt > 200) throw new Error('the second server did not start');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const client = await createClient(server, { grant_types: ['basic'] });
      const basic = { authorization: `Basic ${Buffer.from(`${client.id}:${client.secret}`).toString('base64')}` };
      const readThere = async () => (await fetch(`${other}/fhir/Patient/pt-1`, { headers: basic })).status;
      expect(await readThere()).toBe(403);
      // The second process has now cached the policies; a write through the first must reach it.
      const id = await putPolicy({ engine: 'allow', link: [{ id: client.id, resourceType: 'Client' }] });
      await expectEventually(readThere, 200);
      await server.http.delete(`/AccessPolicy/${id}`).expect(200);
      await expectEventually(readThere, 403);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    }
  }, 60_000);
});

/** NOTIFY reaches the other process at commit, a few milliseconds later. */
async function expectEventually(check: () => Promise<number>, status: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await check()) === status) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(await check()).toBe(status);
}
