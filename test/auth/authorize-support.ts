import { createHash, randomBytes } from 'node:crypto';
import type { TestServer } from '../support/test-server';
import { createClient, createUser } from '../support/auth-factories';

export const REDIRECT = 'https://app.example/callback';

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** A browser-flow client: public (PKCE) unless given a secret. */
export async function createAppClient(server: TestServer, body: Record<string, unknown> = {}) {
  const { secret, ...rest } = body;
  const client = await createClient(server, {
    grant_types: ['authorization_code', 'refresh_token'],
    auth: { authorization_code: { redirect_uri: REDIRECT, secret_required: secret === undefined ? false : true, refresh_token: true } },
    ...rest,
    ...(secret !== undefined ? { secret } : {}),
  });
  return client;
}

/** A person with a live browser sign-in: the `asid` and the Cookie header that carries it. */
export async function signedInUser(server: TestServer, body: Record<string, unknown> = {}) {
  const user = await createUser(server, body);
  const login = await server.anonymous.post('/auth/login').send({ username: user.userName, password: user.password }).expect(200);
  const asid = /asid=([^;]+)/.exec(login.headers['set-cookie'][0])![1];
  return { ...user, asid, cookie: `asid=${asid}` };
}

/** GET /auth/authorize with the given parameters (and cookie), following nothing. */
export function authorize(server: TestServer, params: Record<string, string>, cookie?: string) {
  const request = server.anonymous.get(`/auth/authorize?${new URLSearchParams(params)}`).redirects(0);
  if (cookie) request.set('cookie', cookie);
  return request;
}

/** The parameters of a redirect back to the client, from the query or the fragment. */
export function answerOf(location: string): Record<string, string> {
  const url = new URL(location);
  return Object.fromEntries(new URLSearchParams(url.hash ? url.hash.slice(1) : url.search));
}

/** The hidden fields and the CSRF cookie of a rendered form, to post it back as a browser would. */
export function formOf(html: string): Record<string, string> {
  const fields: Record<string, string> = {};
  const decode = (text: string) => text.replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)));
  for (const match of html.matchAll(/<input type="(?:hidden|checkbox)" name="([^"]+)" value="([^"]*)"/g)) fields[decode(match[1])] = decode(match[2]);
  return fields;
}

export function cookieOf(setCookie: string[] | undefined, name: string): string | undefined {
  const found = (setCookie ?? []).find((value) => value.startsWith(`${name}=`));
  return found ? found.slice(name.length + 1).split(';')[0] : undefined;
}
