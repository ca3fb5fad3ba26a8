import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { request, type IncomingHttpHeaders } from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { createClient, createUser } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Guessing is limited however it is done: one by one or hundreds at once, by password or by
 * client secret, at /auth/token, /auth/login or with Basic on any request. `server` keeps its
 * per-address limits out of the way; on `strict` they are 3, and each test there sends from an
 * address of its own (all of 127.0.0.0/8 is loopback).
 */
let server: TestServer;
let url: string;
let strict: TestServer;
let strictUrl: string;
beforeAll(async () => {
  // bcrypt at its default cost, so that comparisons take as long as in production and guesses overlap.
  server = await startTestServer({ BOX_AUTH_BCRYPT_COST: '10', BOX_AUTH_MAX_FAILED_LOGINS_PER_ADDRESS: '100000', BOX_AUTH_MAX_FAILED_CLIENT_AUTH_PER_ADDRESS: '100000' });
  url = await server.listen();
  strict = await startTestServer({ BOX_AUTH_MAX_FAILED_LOGINS_PER_ADDRESS: '3', BOX_AUTH_MAX_FAILED_CLIENT_AUTH_PER_ADDRESS: '3' });
  strictUrl = await strict.listen();
});
afterAll(async () => {
  await Promise.all([server.close(), strict.close()]);
});

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** Over a real socket, so that hundreds of requests are in flight at once; `from` is the local address. */
function send(base: string, path: string, init: { from?: string; headers?: Record<string, string>; form?: Record<string, string>; json?: Record<string, string> } = {}): Promise<Answer> {
  const body = init.form ? new URLSearchParams(init.form).toString() : init.json ? JSON.stringify(init.json) : undefined;
  const headers = { ...(body === undefined ? {} : { 'content-type': init.json ? 'application/json' : 'application/x-www-form-urlencoded' }), ...init.headers };
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { method: body === undefined ? 'GET' : 'POST', headers, localAddress: init.from }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text ? JSON.parse(text) : {} }));
    });
    req.on('error', reject).end(body);
  });
}

const statusesOf = (answers: Answer[]) => answers.map((answer) => answer.status);
const countOf = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe('password guesses', () => {
  it('counts an account once, whether it is named by its userName or its e-mail', async () => {
    const client = await createClient(server, { grant_types: ['password'] });
    const user = await createUser(server, { email: `${randomUUID()}@example.com` });
    const [{ email }] = await server.sql<{ email: string }>(`select resource->>'email' as email from "user" where id = $1`, [user.id]);
    const grant = (username: string, password: string) => send(url, '/auth/token', { headers: { authorization: basic(client.id, client.secret) }, form: { grant_type: 'password', username, password } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await grant(user.userName, `wrong-${i}`)).status);
    for (let i = 0; i < 3; i++) statuses.push((await grant(email, `wrong-e-${i}`)).status);
    // BOX_AUTH_MAX_FAILED_LOGINS is 5 for the account, not 5 per name it goes by.
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
    expect((await grant(email, user.password)).status).toBe(429);
  });

  it('evaluates no more parallel password grants for one user than the limit, and refuses the right password sent among them', async () => {
    const client = await createClient(server, { grant_types: ['password'] });
    const user = await createUser(server);
    const grant = (password: string) => send(url, '/auth/token', { headers: { authorization: basic(client.id, client.secret) }, form: { grant_type: 'password', username: user.userName, password } });
    const answers = await Promise.all([...Array.from({ length: 300 }, (_, i) => grant(`wrong-guess-${i}`)), grant(user.password)]);
    const statuses = statusesOf(answers);
    // BOX_AUTH_MAX_FAILED_LOGINS defaults to 5: the rest were refused before their password was compared.
    expect(countOf(statuses, 400)).toBeLessThanOrEqual(5);
    expect(countOf(statuses, 400) + countOf(statuses, 429)).toBe(301);
    expect(statuses.at(-1)).toBe(429);
    const refused = answers.find((answer) => answer.status === 429)!;
    expect(refused.body.error).toBe('temporarily_unavailable');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('evaluates no more parallel logins from one address than its limit, across user names', async () => {
    const from = '127.0.0.11';
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => send(strictUrl, '/auth/login', { from, json: { username: `name-${i}`, password: 'wrong-password' } })));
    const statuses = statusesOf(answers);
    expect(countOf(statuses, 400)).toBe(3);
    expect(countOf(statuses, 429)).toBe(37);
  });

  it('gives an attempt back when it ends without a verdict, so errors do not use up the limit', async () => {
    const from = '127.0.0.12';
    const user = await createUser(strict);
    // PostgreSQL refuses a NUL in text: the user lookup fails before any password is compared.
    for (let i = 0; i < 5; i++) {
      const failed = await send(strictUrl, '/auth/login', { from, json: { username: `someone\u0000${i}`, password: 'any-password' } });
      expect(failed.status).toBe(400);
    }
    expect((await send(strictUrl, '/auth/login', { from, json: { username: user.userName, password: user.password } })).status).toBe(200);
  });

  it('gives the attempt back when the right password belongs to an inactive user', async () => {
    const from = '127.0.0.13';
    const inactive = await createUser(strict, { inactive: true });
    for (let i = 0; i < 5; i++) {
      const answer = await send(strictUrl, '/auth/login', { from, json: { username: inactive.userName, password: inactive.password } });
      expect(answer.body).toMatchObject({ error: 'invalid_grant', error_description: 'User is inactive' });
    }
  });
});

describe('client secret guesses', () => {
  it('evaluates no more parallel wrong secrets at /auth/token than the limit, then refuses the right secret with 429', async () => {
    const client = await createClient(server);
    const token = (secret: string) => send(url, '/auth/token', { headers: { authorization: basic(client.id, secret) }, form: { grant_type: 'client_credentials' } });
    const statuses = statusesOf(await Promise.all(Array.from({ length: 300 }, (_, i) => token(`wrong-secret-${i}`))));
    // BOX_AUTH_MAX_FAILED_CLIENT_AUTH defaults to 10.
    expect(countOf(statuses, 401)).toBe(10);
    expect(countOf(statuses, 429)).toBe(290);
    const right = await token(client.secret);
    expect(right.status).toBe(429);
    expect(right.body).toEqual({ error: 'temporarily_unavailable', error_description: 'Too many failed attempts; try again later' });
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('evaluates no more parallel wrong Basic secrets on the resource API than the limit, and answers 429 with an OperationOutcome', async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    const read = (secret: string) => send(url, '/fhir/Patient', { headers: { authorization: basic(client.id, secret) } });
    const statuses = statusesOf(await Promise.all(Array.from({ length: 300 }, (_, i) => read(`wrong-secret-${i}`))));
    expect(countOf(statuses, 401)).toBe(10);
    expect(countOf(statuses, 429)).toBe(290);
    const right = await read(client.secret);
    expect(right.status).toBe(429);
    expect(right.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'throttled' }] });
    expect(Number(right.headers['retry-after'])).toBeGreaterThan(0);
    // On an OAuth endpoint the same client is refused in RFC 6749's JSON.
    const userinfo = await send(url, '/auth/userinfo', { headers: { authorization: basic(client.id, client.secret) } });
    expect(userinfo.status).toBe(429);
    expect(userinfo.body.error).toBe('temporarily_unavailable');
  });

  it('counts an unknown client id like a known one, so the 429 does not tell which clients exist', async () => {
    const known = await createClient(server);
    const answersFor = async (id: string) => {
      const answers: Answer[] = [];
      for (let i = 0; i < 11; i++) answers.push(await send(url, '/auth/token', { form: { grant_type: 'client_credentials', client_id: id, client_secret: `wrong-${i}` } }));
      return answers.map((answer) => ({ status: answer.status, body: answer.body, retryAfter: answer.headers['retry-after'] !== undefined }));
    };
    const forKnown = await answersFor(known.id);
    expect(forKnown.at(-1)).toMatchObject({ status: 429, retryAfter: true });
    expect(await answersFor(`no-such-client-${randomUUID()}`)).toEqual(forKnown);
  });

  it('counts a refused client assertion against the client id', async () => {
    const { publicKey } = await generateKeyPair('ES256', { extractable: true });
    const registered = { ...(await exportJWK(publicKey)), kid: 'registered', alg: 'ES256', use: 'sig' };
    const client = await createClient(server, { jwks: [registered] });
    const { privateKey: someoneElses } = await generateKeyPair('ES256');
    const forged = () =>
      new SignJWT({ iss: client.id, sub: client.id, aud: `${url}/auth/token`, jti: randomUUID(), exp: Math.floor(Date.now() / 1000) + 60 })
        .setProtectedHeader({ alg: 'ES256', kid: 'registered' })
        .sign(someoneElses);
    const form = async () => ({ grant_type: 'client_credentials', client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: await forged() });
    for (let i = 0; i < 10; i++) expect((await send(url, '/auth/token', { form: await form() })).status).toBe(401);
    expect((await send(url, '/auth/token', { form: await form() })).status).toBe(429);
    // The id is throttled whichever way it authenticates next.
    expect((await send(url, '/auth/token', { form: { grant_type: 'client_credentials', client_id: client.id, client_secret: client.secret } })).status).toBe(429);
  });

  it('throttles one address across client ids, at /auth/token and with Basic alike', async () => {
    const from = '127.0.0.14';
    expect((await send(strictUrl, '/auth/token', { from, form: { grant_type: 'client_credentials', client_id: 'a-client', client_secret: 'wrong' } })).status).toBe(401);
    expect((await send(strictUrl, '/fhir/Patient', { from, headers: { authorization: basic('b-client', 'wrong') } })).status).toBe(401);
    expect((await send(strictUrl, '/auth/token', { from, headers: { authorization: basic('c-client', 'wrong') }, form: { grant_type: 'client_credentials' } })).status).toBe(401);
    expect((await send(strictUrl, '/auth/token', { from, form: { grant_type: 'client_credentials', client_id: 'd-client', client_secret: 'wrong' } })).status).toBe(429);
    const basicRefused = await send(strictUrl, '/fhir/Patient', { from, headers: { authorization: basic('root', 'wrong') } });
    expect(basicRefused.status).toBe(429);
    expect(basicRefused.body.resourceType).toBe('OperationOutcome');
    // Another address is not held back by this one.
    expect((await send(strictUrl, '/auth/token', { from: '127.0.0.15', form: { grant_type: 'client_credentials', client_id: 'd-client', client_secret: 'wrong' } })).status).toBe(401);
  });

  it('never throttles a client presenting its right secret, however many of its requests run at once', async () => {
    const client = await createClient(server, { grant_types: ['basic'] });
    await server.http.put('/AccessPolicy/throttle-reader').send({ engine: 'allow', link: [{ id: client.id, resourceType: 'Client' }] }).expect(201);
    await server.http.put('/fhir/Patient/pt-1').send({ resourceType: 'Patient', id: 'pt-1' }).expect(201);
    const read = (secret: string) => send(url, '/fhir/Patient/pt-1', { headers: { authorization: basic(client.id, secret) } });
    expect(new Set(statusesOf(await Promise.all(Array.from({ length: 300 }, () => read(client.secret)))))).toEqual(new Set([200]));
    // Its successes do not wipe out failures: otherwise a busy client would reset a guesser's count.
    for (let i = 0; i < 9; i++) expect((await read(`wrong-secret-${i}`)).status).toBe(401);
    expect((await read(client.secret)).status).toBe(200);
    expect((await read('one-wrong-secret-more')).status).toBe(401);
    expect((await read(client.secret)).status).toBe(429);
  });
});
