import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt, SignJWT } from 'jose';
import { createUser, requestToken } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';
import { answerOf, authorize, cookieOf, formOf, pkce, REDIRECT, signedInUser } from '../auth/authorize-support';
import { bearer, createSmartApp, ehrLaunch, smartToken } from './smart-support';

let server: TestServer;
const observation = (id: string, patient: string, category: string) => ({
  resourceType: 'Observation', id, status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: category }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '8302-2' }] }, subject: { reference: `Patient/${patient}` },
});

beforeAll(async () => {
  server = await startTestServer({}, { listen: true });
  for (const id of ['alice', 'bob']) await server.http.put(`/fhir/Patient/${id}`).send({ resourceType: 'Patient', id, name: [{ given: [id], family: 'Smart' }] }).expect((r) => expect(r.status).toBeLessThan(300));
  const resources = [observation('alice-lab', 'alice', 'laboratory'), observation('alice-vitals', 'alice', 'vital-signs'), observation('bob-lab', 'bob', 'laboratory')];
  for (const resource of resources) await server.http.put(`/fhir/Observation/${resource.id}`).send(resource).expect((r) => expect(r.status).toBeLessThan(300));
});
afterAll(async () => {
  await server.close();
});

const ids = (bundle: { entry?: Array<{ resource: { id: string } }> }) => (bundle.entry ?? []).map((entry) => entry.resource.id).sort();

describe('a patient/ token is confined to its launch patient', () => {
  let token: string;
  beforeAll(async () => {
    const client = await createSmartApp(server, { scope: ['launch', 'openid', 'fhirUser', 'patient/*.cruds'] });
    ({ token: { access_token: token } } = await smartToken(server, { clientId: client, scope: 'launch openid fhirUser patient/*.cruds', patient: 'alice' }));
  });

  it('searches only that patient’s resources, filtered in SQL (the page and the total agree)', async () => {
    const all = await server.anonymous.get('/fhir/Observation?_total=accurate').set(bearer(token)).expect(200);
    expect(ids(all.body)).toEqual(['alice-lab', 'alice-vitals']);
    expect(all.body.total).toBe(2);
    const paged = await server.anonymous.get('/fhir/Observation?_count=1&_sort=_id').set(bearer(token)).expect(200);
    expect(ids(paged.body)).toEqual(['alice-lab']);
    const patients = await server.anonymous.get('/fhir/Patient').set(bearer(token)).expect(200);
    expect(ids(patients.body)).toEqual(['alice']);
    const asked = await server.anonymous.get('/fhir/Observation?subject=Patient/bob').set(bearer(token)).expect(200);
    expect(ids(asked.body)).toEqual([]);
  });

  it('reads its own, and gets 403 for another patient’s resource', async () => {
    await server.anonymous.get('/fhir/Observation/alice-lab').set(bearer(token)).expect(200);
    const other = await server.anonymous.get('/fhir/Observation/bob-lab').set(bearer(token)).expect(403);
    expect(other.body.resourceType).toBe('OperationOutcome');
    await server.anonymous.get('/fhir/Patient/bob').set(bearer(token)).expect(403);
    await server.anonymous.get('/fhir/Patient/bob/Observation').set(bearer(token)).expect(200).expect((r) => expect(ids(r.body)).toEqual([]));
  });

  it('creates for its patient, and gets 403 creating, updating or deleting for another', async () => {
    await server.anonymous.post('/fhir/Observation').set(bearer(token)).send(observation('mine', 'alice', 'laboratory')).expect(201);
    await server.anonymous.post('/fhir/Observation').set(bearer(token)).send(observation('theirs', 'bob', 'laboratory')).expect(403);
    await server.anonymous.put('/fhir/Observation/bob-lab').set(bearer(token)).send(observation('bob-lab', 'bob', 'laboratory')).expect(403);
    // Moving one's own resource to another patient is a write outside the scopes too.
    await server.anonymous.put('/fhir/Observation/mine').set(bearer(token)).send(observation('mine', 'bob', 'laboratory')).expect(403);
    await server.anonymous.delete('/fhir/Observation/bob-lab').set(bearer(token)).expect(403);
    await server.http.get('/fhir/Observation/bob-lab').expect(200);
  });

  it('a batch keeps each entry within the scopes: the out-of-scope entry alone is refused', async () => {
    const batch = {
      resourceType: 'Bundle', type: 'batch',
      entry: [{ request: { method: 'GET', url: 'Observation/alice-lab' } }, { request: { method: 'GET', url: 'Observation/bob-lab' } }],
    };
    const response = await server.anonymous.post('/fhir').set(bearer(token)).send(batch).expect(200);
    expect(response.body.entry.map((entry: { response: { status: string } }) => entry.response.status.slice(0, 3))).toEqual(['200', '403']);
  });

  it('cannot read every type’s history at once', async () => {
    await server.anonymous.get('/fhir/_history').set(bearer(token)).expect(403);
    await server.anonymous.get('/fhir/Observation/_history').set(bearer(token)).expect(403);
  });
});

describe('the interactions a token may perform are those its scopes grant', () => {
  it('v1 read allows reads and searches, never writes; v2 rs likewise', async () => {
    for (const scope of ['patient/Observation.read', 'patient/Observation.rs']) {
      const client = await createSmartApp(server, { scope: ['launch', scope] });
      const { token } = await smartToken(server, { clientId: client, scope: `launch ${scope}`, patient: 'alice' });
      await server.anonymous.get('/fhir/Observation').set(bearer(token.access_token)).expect(200);
      await server.anonymous.post('/fhir/Observation').set(bearer(token.access_token)).send(observation(`w-${scope.length}`, 'alice', 'laboratory')).expect(403);
      await server.anonymous.get('/fhir/Patient/alice').set(bearer(token.access_token)).expect(403);
    }
  });

  it('a v2 query restriction filters searches and reads the same way', async () => {
    const scope = 'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
    const client = await createSmartApp(server, { scope: ['launch', scope] });
    const { token } = await smartToken(server, { clientId: client, scope: `launch ${scope}`, patient: 'alice' });
    const found = await server.anonymous.get('/fhir/Observation').set(bearer(token.access_token)).expect(200);
    expect(ids(found.body).filter((id) => id.startsWith('alice'))).toEqual(['alice-lab']);
    await server.anonymous.get('/fhir/Observation/alice-vitals').set(bearer(token.access_token)).expect(403);
  });

  it('without a smart-on-fhir policy, the person’s own AccessPolicies must also allow the request', async () => {
    const client = await createSmartApp(server, { scope: ['launch', 'patient/*.rs'], policy: false });
    const { token } = await smartToken(server, { clientId: client, scope: 'launch patient/*.rs', patient: 'alice' });
    await server.anonymous.get('/fhir/Observation/alice-lab').set(bearer(token.access_token)).expect(403);
  });

  it('user/ scopes confine nothing: AccessPolicies (here smart-on-fhir) decide', async () => {
    const client = await createSmartApp(server, { scope: ['launch', 'user/Observation.rs'] });
    const { token } = await smartToken(server, { clientId: client, scope: 'launch user/Observation.rs', patient: 'alice' });
    const found = await server.anonymous.get('/fhir/Observation').set(bearer(token.access_token)).expect(200);
    expect(ids(found.body)).toEqual(expect.arrayContaining(['alice-lab', 'bob-lab']));
  });
});

describe('what is granted', () => {
  it('never system/ scopes to a person, nor scopes the client may not request; malformed scopes are invalid_scope', async () => {
    const client = await createSmartApp(server, { scope: ['launch', 'patient/Observation.rs', 'system/*.rs'] });
    const { token } = await smartToken(server, { clientId: client, scope: 'launch patient/Observation.rs system/*.rs patient/Patient.rs', patient: 'alice' });
    expect(token.scope).toBe('launch patient/Observation.rs');
    const person = await signedInUser(server);
    const bad = await authorize(server, { response_type: 'code', client_id: client, redirect_uri: REDIRECT, scope: 'patient/Observation.sr', aud: `${server.url}/fhir`, code_challenge: pkce().challenge, code_challenge_method: 'S256' }, person.cookie).expect(302);
    expect(answerOf(bad.headers.location).error).toBe('invalid_scope');
  });

  it('aud must name this server’s FHIR base', async () => {
    const client = await createSmartApp(server, { scope: ['launch/patient', 'patient/*.rs'] });
    const person = await signedInUser(server);
    const base = { response_type: 'code', client_id: client, redirect_uri: REDIRECT, scope: 'launch/patient patient/*.rs', state: 'a', code_challenge: pkce().challenge, code_challenge_method: 'S256' };
    for (const aud of [undefined, 'https://other.example/fhir', server.url]) {
      const response = await authorize(server, aud ? { ...base, aud } : base, person.cookie).expect(302);
      expect(answerOf(response.headers.location)).toMatchObject({ error: 'invalid_request', state: 'a' });
    }
  });

  it('client credentials get system/ scopes only (patient/ and user/ are invalid_scope), enforced like any other', async () => {
    const secret = 'backend-secret-0123456789';
    await server.http.put('/Client/backend').send({ grant_types: ['client_credentials'], secret, scope: ['system/Observation.rs', 'patient/*.rs'] }).expect((r) => expect(r.status).toBeLessThan(300));
    await server.http.put('/AccessPolicy/backend-scopes').send({ engine: 'smart-on-fhir', link: [{ id: 'backend', resourceType: 'Client' }] }).expect((r) => expect(r.status).toBeLessThan(300));
    const personal = await requestToken(server, { grant_type: 'client_credentials', scope: 'system/Observation.rs patient/*.rs' }, { id: 'backend', secret }).expect(400);
    expect(personal.body.error).toBe('invalid_scope');
    const token = await requestToken(server, { grant_type: 'client_credentials', scope: 'system/Observation.rs' }, { id: 'backend', secret }).expect(200);
    expect(token.body.scope).toBe('system/Observation.rs');
    await server.anonymous.get('/fhir/Observation/bob-lab').set(bearer(token.body.access_token)).expect(200);
    await server.anonymous.get('/fhir/Patient/bob').set(bearer(token.body.access_token)).expect(403);
    await server.anonymous.delete('/fhir/Observation/bob-lab').set(bearer(token.body.access_token)).expect(403);
  });
});

describe('launch', () => {
  it('EHR launch: the token response carries the context, the Session records it, introspection shows it', async () => {
    const client = await createSmartApp(server, { scope: ['launch', 'openid', 'fhirUser', 'patient/*.rs', 'offline_access'] });
    const person = await signedInUser(server, { fhirUser: { id: 'dr-who', resourceType: 'Practitioner' } });
    const { token } = await smartToken(server, { clientId: client, scope: 'launch openid fhirUser patient/*.rs offline_access', patient: 'alice', person });
    expect(token).toMatchObject({ patient: 'alice', need_patient_banner: true, smart_style_url: `${server.url}/.well-known/smart-style.json` });
    expect(token.refresh_token).toBeDefined();
    expect(decodeJwt(token.id_token).fhirUser).toBe(`${server.url}/fhir/Practitioner/dr-who`);
    const [session] = await server.sql<{ resource: Record<string, unknown> }>("select resource from session where resource#>>'{patient,id}' = 'alice' and resource#>>'{client,id}' = $1", [client]);
    expect(session.resource).toMatchObject({ patient: { id: 'alice', resourceType: 'Patient' }, ctx: { launch: { patient: 'alice' } } });
    await server.anonymous.get('/.well-known/smart-style.json').expect(200);
    await server.http.put('/Client/fhir-api').send({ type: 'resource-server', grant_types: ['client_credentials'], secret: 'api-secret-0123456789' }).expect((r) => expect(r.status).toBeLessThan(300));
    const introspected = await server.anonymous.post('/auth/introspect').auth('fhir-api', 'api-secret-0123456789').type('form').send({ token: token.access_token }).expect(200);
    expect(introspected.body).toMatchObject({ active: true, scope: 'launch openid fhirUser patient/*.rs offline_access', patient: 'alice', fhirUser: `${server.url}/fhir/Practitioner/dr-who`, client_id: client });
    const refreshed = await requestToken(server, { grant_type: 'refresh_token', refresh_token: token.refresh_token, client_id: client }).expect(200);
    expect(refreshed.body.patient).toBe('alice');
  });

  it('a launch value is single use and bound to its client', async () => {
    const client = await createSmartApp(server, { scope: ['launch', 'patient/*.rs'] });
    const other = await createSmartApp(server, { scope: ['launch', 'patient/*.rs'] });
    const person = await signedInUser(server);
    const { launch } = await ehrLaunch(server, client, person.id, { patient: 'alice' });
    const params = (clientId: string) => ({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT, scope: 'launch patient/*.rs', launch, aud: `${server.url}/fhir`, code_challenge: pkce().challenge, code_challenge_method: 'S256' });
    const foreign = await authorize(server, params(other), person.cookie).expect(302);
    expect(answerOf(foreign.headers.location).error).toBe('invalid_request');
    const first = await authorize(server, params(client), person.cookie).expect(302);
    expect(answerOf(first.headers.location).code).toBeDefined();
    const again = await authorize(server, params(client), person.cookie).expect(302);
    expect(answerOf(again.headers.location).error).toBe('invalid_request');
  });

  it('standalone launch/patient: a picker of the patients the person may read; a Patient user skips it', async () => {
    const client = await createSmartApp(server, { scope: ['launch/patient', 'patient/*.rs'] });
    const reader = await signedInUser(server);
    await server.http.put(`/AccessPolicy/read-patients-${reader.id}`).send({ engine: 'matcho', matcho: { user: { id: reader.id }, 'request-method': 'get' } }).expect((r) => expect(r.status).toBeLessThan(300));
    const { verifier, challenge } = pkce();
    const params = { response_type: 'code', client_id: client, redirect_uri: REDIRECT, scope: 'launch/patient patient/*.rs', aud: `${server.url}/fhir`, code_challenge: challenge, code_challenge_method: 'S256' };
    const picker = await authorize(server, params, reader.cookie).expect(200);
    expect(picker.text).toContain('Choose a patient');
    expect(picker.text).toContain('alice Smart');
    const csrf = cookieOf(picker.headers['set-cookie'] as unknown as string[], 'lockbox_csrf')!;
    const chosen = await server.anonymous.post('/auth/authorize').type('form').set('cookie', `${reader.cookie}; lockbox_csrf=${csrf}`)
      .send({ ...formOf(picker.text), patient: 'bob', decision: 'patient' }).expect(303);
    const code = answerOf(chosen.headers.location).code;
    const token = await requestToken(server, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: client }).expect(200);
    expect(token.body.patient).toBe('bob');

    const patientUser = await signedInUser(server, { fhirUser: { id: 'alice', resourceType: 'Patient' } });
    const direct = await authorize(server, { ...params, code_challenge: pkce().challenge }, patientUser.cookie).expect(302);
    expect(answerOf(direct.headers.location).code).toBeDefined();
    const nobody = await createUser(server);
    expect(nobody.id).toBeDefined();
  });
});

describe('standalone launch/encounter', () => {
  it('after the patient, a picker of that patient’s visits the person may read', async () => {
    await server.http.put('/fhir/Encounter/bob-visit').send({ resourceType: 'Encounter', id: 'bob-visit', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/bob' }, type: [{ text: 'Check-up' }], period: { start: '2026-11-30T10:00:00Z' } }).expect((r) => expect(r.status).toBeLessThan(300));
    await server.http.put('/fhir/Encounter/alice-visit').send({ resourceType: 'Encounter', id: 'alice-visit', status: 'finished', class: { code: 'AMB' }, subject: { reference: 'Patient/alice' } }).expect((r) => expect(r.status).toBeLessThan(300));
    const client = await createSmartApp(server, { scope: ['launch/patient', 'launch/encounter', 'patient/*.rs'] });
    const reader = await signedInUser(server);
    await server.http.put(`/AccessPolicy/read-all-${reader.id}`).send({ engine: 'matcho', matcho: { user: { id: reader.id }, 'request-method': 'get' } }).expect((r) => expect(r.status).toBeLessThan(300));
    const { verifier, challenge } = pkce();
    const params = { response_type: 'code', client_id: client, redirect_uri: REDIRECT, scope: 'launch/patient launch/encounter patient/*.rs', aud: `${server.url}/fhir`, code_challenge: challenge, code_challenge_method: 'S256' };
    const patients = await authorize(server, params, reader.cookie).expect(200);
    const csrf = cookieOf(patients.headers['set-cookie'] as unknown as string[], 'lockbox_csrf')!;
    const cookie = `${reader.cookie}; lockbox_csrf=${csrf}`;
    const visits = await server.anonymous.post('/auth/authorize').type('form').set('cookie', cookie).send({ ...formOf(patients.text), patient: 'bob', decision: 'patient' }).expect(200);
    expect(visits.text).toContain('Choose a visit');
    expect(visits.text).toContain('Check-up (2026-11-30)');
    expect(visits.text).not.toContain('alice-visit');
    const wrong = await server.anonymous.post('/auth/authorize').type('form').set('cookie', cookie).send({ ...formOf(visits.text), encounter: 'alice-visit', decision: 'encounter' }).expect(403);
    expect(wrong.text).toContain('choose another');
    const chosen = await server.anonymous.post('/auth/authorize').type('form').set('cookie', cookie).send({ ...formOf(visits.text), encounter: 'bob-visit', decision: 'encounter' }).expect(303);
    const token = await requestToken(server, { grant_type: 'authorization_code', code: answerOf(chosen.headers.location).code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: client }).expect(200);
    expect(token.body).toMatchObject({ patient: 'bob', encounter: 'bob-visit' });
  });
});

describe('refresh tokens', () => {
  it('online_access: the refresh token dies with the sign-in it came from; a refresh may narrow, never widen', async () => {
    const client = await createSmartApp(server, { scope: ['launch', 'online_access', 'patient/*.rs', 'patient/Observation.rs'] });
    const { token, person } = await smartToken(server, { clientId: client, scope: 'launch online_access patient/Observation.rs', patient: 'alice' });
    const wider = await requestToken(server, { grant_type: 'refresh_token', refresh_token: token.refresh_token, client_id: client, scope: 'patient/*.rs' }).expect(400);
    expect(wider.body.error).toBe('invalid_scope');
    const narrower = await requestToken(server, { grant_type: 'refresh_token', refresh_token: token.refresh_token, client_id: client, scope: 'launch online_access' }).expect(200);
    await server.anonymous.post('/auth/logout').set('cookie', person.cookie).expect(204);
    const after = await requestToken(server, { grant_type: 'refresh_token', refresh_token: narrower.body.refresh_token, client_id: client }).expect(400);
    expect(after.body.error).toBe('invalid_grant');
  });
});

describe('foreign tokens', () => {
  it('a TokenIntrospector JWT with scope and patient claims is confined the same way', async () => {
    const iss = 'https://ehr.example';
    const secret = 'a-shared-secret-of-the-ehr-0123456789';
    await server.http.put('/TokenIntrospector/ehr').send({ type: 'jwt', jwt: { iss, secret } }).expect((r) => expect(r.status).toBeLessThan(300));
    await server.http.put('/AccessPolicy/ehr-tokens').send({ engine: 'matcho', matcho: { jwt: { iss } } }).expect((r) => expect(r.status).toBeLessThan(300));
    const jwt = await new SignJWT({ scope: 'patient/Observation.rs', patient: 'bob' }).setProtectedHeader({ alg: 'HS256' }).setIssuer(iss).setSubject('ehr-app').setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(secret));
    const found = await server.anonymous.get('/fhir/Observation').set(bearer(jwt)).expect(200);
    expect(ids(found.body)).toEqual(['bob-lab']);
    await server.anonymous.get('/fhir/Observation/alice-lab').set(bearer(jwt)).expect(403);
    await server.anonymous.get('/fhir/Patient/bob').set(bearer(jwt)).expect(403);
  });
});

describe('discovery', () => {
  it('publishes the SMART configuration at the server and its FHIR base, to any origin', async () => {
    for (const path of ['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration']) {
      const response = await server.anonymous.get(path).set('origin', 'https://any.example').expect(200);
      expect(response.headers['access-control-allow-origin']).toBe('*');
      expect(response.body).toMatchObject({ issuer: server.url, authorization_endpoint: `${server.url}/auth/authorize`, code_challenge_methods_supported: ['S256'] });
      expect(response.body.capabilities).toEqual(expect.arrayContaining(['launch-ehr', 'launch-standalone', 'permission-v2', 'context-ehr-patient']));
    }
  });
});
