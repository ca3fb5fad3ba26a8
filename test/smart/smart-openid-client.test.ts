import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import * as oidc from 'openid-client';
import { startTestServer, type TestServer } from '../support/test-server';
import { REDIRECT, signedInUser } from '../auth/authorize-support';
import { createSmartApp, ehrLaunch } from './smart-support';

/**
 * openid-client v6, unmodified, as a SMART app: discovery, an EHR launch and a standalone launch
 * with PKCE, state and nonce, and the errors it must see (wrong aud, out-of-compartment reads).
 */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { listen: true });
  for (const id of ['ann', 'ben']) await server.http.put(`/fhir/Patient/${id}`).send({ resourceType: 'Patient', id }).expect((r) => expect(r.status).toBeLessThan(300));
  for (const [id, patient] of [['ann-1', 'ann'], ['ben-1', 'ben']]) {
    await server.http.put(`/fhir/Observation/${id}`).send({ resourceType: 'Observation', id, status: 'final', code: { text: 'weight' }, subject: { reference: `Patient/${patient}` } }).expect((r) => expect(r.status).toBeLessThan(300));
  }
});
afterAll(async () => {
  await server.close();
});

const discover = (clientId: string) => oidc.discovery(new URL(server.url), clientId, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });

/** The browser's part: follow the authorize URL with the person's cookie to the redirect back. */
async function followAuthorize(url: URL, cookie: string): Promise<URL> {
  const response = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  expect(response.status).toBe(302);
  return new URL(response.headers.get('location')!, server.url);
}

async function launchAndRedeem(scope: string, extra: Record<string, string>, cookie: string, clientId: string) {
  const config = await discover(clientId);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT, scope, state, nonce, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra,
  });
  const back = await followAuthorize(url, cookie);
  return { config, tokens: () => oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: state, expectedNonce: nonce }) };
}

describe('openid-client as a SMART app', () => {
  it('EHR launch: tokens with the launch patient; reads confined to it', async () => {
    const client = await createSmartApp(server, { scope: ['launch', 'openid', 'fhirUser', 'patient/*.rs'] });
    const person = await signedInUser(server);
    const { launch } = await ehrLaunch(server, client, person.id, { patient: 'ann', encounter: 'enc-1' });
    const { config, tokens } = await launchAndRedeem('launch openid fhirUser patient/*.rs', { launch, aud: `${server.url}/fhir` }, person.cookie, client);
    const granted = await tokens();
    expect(granted).toMatchObject({ patient: 'ann', encounter: 'enc-1', need_patient_banner: true, scope: 'launch openid fhirUser patient/*.rs' });
    expect(granted.claims()!.sub).toBe(person.id);
    const own = await oidc.fetchProtectedResource(config, granted.access_token, new URL(`${server.url}/fhir/Observation/ann-1`), 'GET');
    expect(own.status).toBe(200);
    const other = await oidc.fetchProtectedResource(config, granted.access_token, new URL(`${server.url}/fhir/Observation/ben-1`), 'GET');
    expect(other.status).toBe(403);
    const search = await oidc.fetchProtectedResource(config, granted.access_token, new URL(`${server.url}/fhir/Observation`), 'GET');
    expect(((await search.json()) as { entry: Array<{ resource: { id: string } }> }).entry.map((entry) => entry.resource.id)).toEqual(['ann-1']);
  });

  it('standalone launch by a patient: their own record, no picker', async () => {
    const client = await createSmartApp(server, { scope: ['launch/patient', 'openid', 'fhirUser', 'patient/*.rs'] });
    const person = await signedInUser(server, { fhirUser: { id: 'ben', resourceType: 'Patient' } });
    const { tokens } = await launchAndRedeem('launch/patient openid fhirUser patient/*.rs', { aud: `${server.url}/fhir` }, person.cookie, client);
    const granted = await tokens();
    expect(granted.patient).toBe('ben');
    expect(granted.claims()!.fhirUser).toBe(`${server.url}/fhir/Patient/ben`);
  });

  it('a wrong aud comes back as invalid_request, which the client reports', async () => {
    const client = await createSmartApp(server, { scope: ['launch/patient', 'patient/*.rs'] });
    const person = await signedInUser(server, { fhirUser: { id: 'ben', resourceType: 'Patient' } });
    const { tokens } = await launchAndRedeem('launch/patient patient/*.rs', { aud: 'https://another-ehr.example/fhir' }, person.cookie, client);
    await expect(tokens()).rejects.toMatchObject({ error: 'invalid_request' });
  });

  it('a scope the client may not request is not granted', async () => {
    const client = await createSmartApp(server, { scope: ['launch/patient', 'patient/Observation.rs'] });
    const person = await signedInUser(server, { fhirUser: { id: 'ben', resourceType: 'Patient' } });
    const { config, tokens } = await launchAndRedeem('openid launch/patient patient/Observation.rs patient/Patient.rs', { aud: `${server.url}/fhir` }, person.cookie, client);
    const granted = await tokens();
    expect(granted.scope).toBe('openid launch/patient patient/Observation.rs');
    const patient = await oidc.fetchProtectedResource(config, granted.access_token, new URL(`${server.url}/fhir/Patient/ben`), 'GET');
    expect(patient.status).toBe(403);
  });
});
