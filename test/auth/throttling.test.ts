import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, createUser } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * Guessing is limited however it is done: one by one or hundreds at once. Every request here
 * comes from one address, so most tests run on a server whose per-address limits are out of the way.
 */
let server: TestServer;
let url: string;
beforeAll(async () => {
  // bcrypt at its default cost, so that comparisons take as long as in production and guesses overlap.
  server = await startTestServer({ BOX_AUTH_BCRYPT_COST: '10', BOX_AUTH_MAX_FAILED_LOGINS_PER_ADDRESS: '100000' });
  url = await server.listen();
});
afterAll(async () => {
  await server.close();
});

async function withServer(env: Record<string, string>, test: (strict: TestServer, url: string) => Promise<void>): Promise<void> {
  const strict = await startTestServer(env);
  try {
    await test(strict, await strict.listen());
  } finally {
    await strict.close();
  }
}

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const FORM = 'application/x-www-form-urlencoded';

interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** Over a real socket, so that hundreds of requests are in flight at once. */
async function send(base: string, path: string, init: { method?: string; headers?: Record<string, string>; form?: Record<string, string> } = {}): Promise<Answer> {
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? (init.form ? 'POST' : 'GET'),
    headers: { ...(init.form ? { 'content-type': FORM } : {}), ...init.headers },
    body: init.form ? new URLSearchParams(init.form).toString() : undefined,
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : {} };
}

const statusesOf = (answers: Answer[]) => answers.map((answer) => answer.status);
const countOf = (statuses: number[], status: number) => statuses.filter((s) => s === status).length;

describe('password guesses', () => {
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
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('evaluates no more parallel logins from one address than its limit, across user names', async () => {
    await withServer({ BOX_AUTH_MAX_FAILED_LOGINS_PER_ADDRESS: '3' }, async (_strict, base) => {
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => send(base, '/auth/login', { form: { username: `name-${i}`, password: 'wrong-password' } })));
      const statuses = statusesOf(answers);
      expect(countOf(statuses, 400)).toBe(3);
      expect(countOf(statuses, 429)).toBe(37);
    });
  });

  it('gives an attempt back when it ends without a verdict, so errors do not use up the limit', async () => {
    await withServer({ BOX_AUTH_MAX_FAILED_LOGINS_PER_ADDRESS: '3' }, async (strict, base) => {
      const user = await createUser(strict);
      // PostgreSQL refuses a NUL in text: the user lookup fails before any password is compared.
      for (let i = 0; i < 5; i++) {
        const failed = await send(base, '/auth/login', { form: { username: `someone\u0000${i}`, password: 'any-password' } });
        expect(failed.status).toBe(400);
      }
      expect((await send(base, '/auth/login', { form: { username: user.userName, password: user.password } })).status).toBe(200);
    });
  });

  it('gives the attempt back when the right password belongs to an inactive user', async () => {
    await withServer({ BOX_AUTH_MAX_FAILED_LOGINS_PER_ADDRESS: '2' }, async (strict, base) => {
      const inactive = await createUser(strict, { inactive: true });
      for (let i = 0; i < 4; i++) {
        const answer = await send(base, '/auth/login', { form: { username: inactive.userName, password: inactive.password } });
        expect(answer.body).toMatchObject({ error: 'invalid_grant', error_description: 'User is inactive' });
      }
    });
  });
});
