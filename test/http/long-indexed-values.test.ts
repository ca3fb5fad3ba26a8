import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { toHttpError } from '../../src/http/to-http-error';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * A btree index entry holds at most about 2,700 bytes (a third of a page), and PostgreSQL refuses
 * a longer one with SQLSTATE 54000. Fields an index covers are bounded in the schemas, so the
 * client hears which field is too long (422) instead of a 500.
 */
let server: TestServer;

/** Random text: compression cannot shrink it under the index limit, as it would 'aaaa…'. */
const long = (length = 8000) => randomBytes(length).toString('base64url').slice(0, length);

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

async function refusal(path: string, body: Record<string, unknown>, expression: string) {
  const response = await server.http.post(path).send(body);
  expect(response.status).toBe(422);
  expect(response.body.issue).toContainEqual(expect.objectContaining({ expression: [expression] }));
  return response.body.issue.find((issue: { expression?: string[] }) => issue.expression?.[0] === expression);
}

describe('a value too long for the index on its field', () => {
  it.each([
    ['/User', { userName: long() }, 'User.userName'],
    ['/User', { userName: 'u', email: `${long()}@example.org` }, 'User.email'],
    ['/Session', { access_token: long() }, 'Session.access_token'],
    ['/Session', { refresh_token: long() }, 'Session.refresh_token'],
    ['/Role', { name: 'r', user: { id: long(), resourceType: 'User' } }, 'Role.user.id'],
    ['/fhir/Role', { resourceType: 'Role', name: 'r', user: { reference: `User/${long()}` } }, 'Role.user'],
    ['/IdentityProvider', { system: long() }, 'IdentityProvider.system'],
  ])('is refused with 422 naming it: POST %s %#', async (path, body, expression) => {
    const issue = await refusal(path, body, expression);
    // The message says how long, without repeating 8,000 characters back.
    expect(issue.diagnostics.length).toBeLessThan(300);
  });

  it('is refused in a transaction bundle, which then writes nothing', async () => {
    const response = await server.http.post('/fhir').send({
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'Patient', id: 'tx-patient' }, request: { method: 'PUT', url: 'Patient/tx-patient' } },
        { resource: { resourceType: 'User', userName: long() }, request: { method: 'POST', url: 'User' } },
      ],
    });
    expect(response.status).toBe(422);
    expect(response.body.issue[0].expression).toEqual(['Bundle.entry[1]', 'User.userName']);
    await server.http.get('/fhir/Patient/tx-patient').expect(404);
  });

  it('is refused in its own entry of a batch bundle, the other entries still written', async () => {
    const response = await server.http.post('/fhir').send({
      resourceType: 'Bundle',
      type: 'batch',
      entry: [
        { resource: { resourceType: 'Session', access_token: long() }, request: { method: 'POST', url: 'Session' } },
        { resource: { resourceType: 'Patient', id: 'batch-patient' }, request: { method: 'PUT', url: 'Patient/batch-patient' } },
      ],
    });
    expect(response.status).toBe(200);
    const [refused, written] = response.body.entry;
    expect(refused.response.status).toBe('422 Unprocessable Entity');
    expect(refused.response.outcome.issue[0].expression).toEqual(['Session.access_token']);
    expect(written.response.status).toBe('201 Created');
  });

  it('is stored when it fits: 320-character user names and e-mail addresses, 64-character ids', async () => {
    const userName = long(320);
    const email = `${long(300)}@example.org`.slice(-320);
    const user = await server.http.post('/User').send({ userName, email }).expect(201);
    await server.http.post('/Role').send({ name: 'r', user: { id: user.body.id, resourceType: 'User' } }).expect(201);
    await server.http.post('/Role').send({ name: 'r', user: { id: 'x'.repeat(64), resourceType: 'User' } }).expect(201);
  });

  it('never reaches an ordinary resource: its search indexes keep hashes and short prefixes, not whole values', async () => {
    const value = long(100_000);
    const created = await server.http.post('/fhir/Patient').send({ resourceType: 'Patient', identifier: [{ system: 'urn:long', value }], name: [{ family: value }] }).expect(201);
    const found = await server.http.post('/fhir/Patient/_search').type('form').send({ identifier: `urn:long|${value}` }).expect(200);
    expect(found.body.entry.map((entry: { resource: { id: string } }) => entry.resource.id)).toEqual([created.body.id]);
  });
});

describe('the database refusing an index row that is too long', () => {
  it('is a 422 naming the field when the index is one of ours', async () => {
    const error = await server.sql(`insert into role (id, txid, status, resource) values ('r-long', 0, 'created', $1)`, [{ name: 'r', user: { id: long(), resourceType: 'User' } }]).catch((thrown: unknown) => thrown);
    expect((error as { code?: string }).code).toBe('54000');
    const known = toHttpError(error);
    expect(known?.status).toBe(422);
    expect(known?.issues).toEqual([{ severity: 'error', code: 'too-long', diagnostics: expect.stringContaining('Role.user'), expression: ['Role.user'] }]);
  });

  it('is a 422 naming the index, over HTTP and in a bundle, when an operator added the index', async () => {
    await server.sql(`create index patient_name_text on patient ((resource->'name'->0->>'text'))`);
    try {
      const direct = await server.http.post('/fhir/Patient').send({ resourceType: 'Patient', name: [{ text: long() }] });
      expect(direct.status).toBe(422);
      expect(direct.body.issue).toEqual([{ severity: 'error', code: 'too-long', diagnostics: expect.stringContaining('patient_name_text') }]);
      const batch = await server.http.post('/fhir').send({
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ resource: { resourceType: 'Patient', name: [{ text: long() }] }, request: { method: 'POST', url: 'Patient' } }],
      });
      expect(batch.body.entry[0].response.status).toBe('422 Unprocessable Entity');
    } finally {
      await server.sql('drop index patient_name_text');
    }
  });
});
