import { randomUUID } from 'node:crypto';
import type { TestServer } from '../support/test-server';
import { requestToken } from '../support/auth-factories';
import { answerOf, authorize, pkce, REDIRECT, signedInUser } from '../auth/authorize-support';

export const LAUNCH_URI = 'https://app.example/launch';

/** A SMART app: public, PKCE, may ask for these scopes; governed by its scopes alone unless `policy: false`. */
export async function createSmartApp(server: TestServer, options: { scope: string[]; policy?: boolean; body?: Record<string, unknown> }) {
  const id = `smart-${randomUUID().slice(0, 8)}`;
  await server.http.put(`/Client/${id}`).send({
    grant_types: ['authorization_code', 'refresh_token'],
    first_party: true,
    scope: options.scope,
    smart: { launch_uri: LAUNCH_URI, name: 'Growth Chart' },
    auth: { authorization_code: { redirect_uri: REDIRECT, secret_required: false } },
    ...options.body,
  }).expect((r) => expect(r.status).toBeLessThan(300));
  if (options.policy !== false) {
    await server.http.put(`/AccessPolicy/${id}-scopes`).send({ engine: 'smart-on-fhir', link: [{ id, resourceType: 'Client' }] }).expect((r) => expect(r.status).toBeLessThan(300));
  }
  return id;
}

/** An EHR launch as root: the launch value for this client, user and patient. */
export async function ehrLaunch(server: TestServer, clientId: string, userId: string | undefined, ctx: Record<string, unknown>) {
  const response = await server.http.post('/rpc').send({ method: 'aidbox.smart/get-launch-uri', params: { client: { id: clientId }, ...(userId ? { user: { id: userId } } : {}), ctx } }).expect(200);
  return response.body.result as { uri: string; launch: string };
}

/** The whole EHR launch: launch value → authorize (signed in) → code → token response. */
export async function smartToken(server: TestServer, options: { clientId: string; scope: string; patient?: string; person?: Awaited<ReturnType<typeof signedInUser>> }) {
  const person = options.person ?? (await signedInUser(server));
  const { launch } = await ehrLaunch(server, options.clientId, person.id, options.patient ? { patient: options.patient } : {});
  const { verifier, challenge } = pkce();
  const response = await authorize(server, {
    response_type: 'code', client_id: options.clientId, redirect_uri: REDIRECT, scope: options.scope, state: 's', launch,
    aud: `${server.url}/fhir`, code_challenge: challenge, code_challenge_method: 'S256',
  }, person.cookie).expect(302);
  const answer = answerOf(response.headers.location);
  if (!answer.code) throw new Error(`no code: ${JSON.stringify(answer)}`);
  const token = await requestToken(server, { grant_type: 'authorization_code', code: answer.code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: options.clientId });
  if (token.status !== 200) throw new Error(`token: ${token.status} ${JSON.stringify(token.body)}`);
  return { person, token: token.body as Record<string, string> & { access_token: string } };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
