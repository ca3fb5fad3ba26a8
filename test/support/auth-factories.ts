import { randomUUID } from 'node:crypto';
import type { TestServer } from './test-server';

/** One-line fixtures for the authentication tests: a client, a user, a token. */
export async function createClient(server: TestServer, body: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
  const id = (body.id as string | undefined) ?? `client-${randomUUID().slice(0, 8)}`;
  const secret = (body.secret as string | undefined) ?? `secret-${randomUUID()}`;
  await server.http.put(`/Client/${id}`).send({ grant_types: ['client_credentials'], ...body, secret }).expect((res) => {
    if (res.status >= 300) throw new Error(`creating Client/${id}: ${res.status} ${JSON.stringify(res.body)}`);
  });
  return { id, secret };
}

export async function createUser(server: TestServer, body: Record<string, unknown> = {}): Promise<{ id: string; userName: string; password: string }> {
  const id = (body.id as string | undefined) ?? `user-${randomUUID().slice(0, 8)}`;
  const userName = (body.userName as string | undefined) ?? id;
  const password = (body.password as string | undefined) ?? 'correct horse battery';
  await server.http.put(`/User/${id}`).send({ ...body, userName, password }).expect((res) => {
    if (res.status >= 300) throw new Error(`creating User/${id}: ${res.status} ${JSON.stringify(res.body)}`);
  });
  return { id, userName, password };
}

/** A token response from /auth/token for the given form parameters. */
export function requestToken(server: TestServer, params: Record<string, string>, basic?: { id: string; secret: string }) {
  const request = server.anonymous.post('/auth/token').type('form');
  if (basic) request.auth(basic.id, basic.secret);
  return request.send(params);
}

/** A password-grant client and a user, and the user's access token. */
export async function userToken(server: TestServer, options: { client?: Record<string, unknown>; user?: Record<string, unknown> } = {}) {
  const client = await createClient(server, { grant_types: ['password'], ...options.client });
  const user = await createUser(server, options.user);
  const response = await requestToken(server, { grant_type: 'password', username: user.userName, password: user.password }, client);
  if (response.status !== 200) throw new Error(`password grant: ${response.status} ${JSON.stringify(response.body)}`);
  return { client, user, token: response.body as { access_token: string; refresh_token?: string; id_token?: string; expires_in?: number } };
}
