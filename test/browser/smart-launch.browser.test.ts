import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createUser } from '../support/auth-factories';
import { launchChromium, screenshotPath } from '../support/browser-chromium';
import { startSmartApp, type SmartApp } from '../support/browser-smart-app';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * SMART App Launch 2.2 (hl7.org/fhir/smart-app-launch) driven by the real SMART client, fhirclient
 * (SMART Health IT), in Debian's Chromium: a patient-facing app on another origin launches
 * standalone (login → consent → patient picker) and from an EHR (`aidbox.smart/get-launch-uri`),
 * then reads the launch patient and searches their Observations. One browser for the file; a fresh
 * context for each test; each app on a loopback port of its own.
 */
let server: TestServer;
let browser: Browser;
const open: { close(): Promise<unknown> }[] = [];

beforeAll(async () => {
  [server, browser] = await Promise.all([startTestServer({}, { listen: true }), launchChromium()]);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((thing) => thing.close()));
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const fhirBase = () => `${server.url}/fhir`;
const unique = () => randomUUID().slice(0, 8);

async function newPage(): Promise<Page> {
  const context: BrowserContext = await browser.newContext();
  // Every step here takes milliseconds: a step that waits longer has gone wrong, and says where.
  context.setDefaultTimeout(5000);
  open.push(context);
  return context.newPage();
}

/** Waits until the browser is at `where`; otherwise fails with the page it is on instead, and what that page says. */
async function arriveAt(page: Page, where: (url: URL) => boolean, what: string): Promise<void> {
  try {
    await page.waitForURL(where);
  } catch {
    const text = await page.locator('body').innerText().catch(() => '(no page)');
    throw new Error(`expected to arrive at ${what}, but the browser is at ${page.url()} showing:\n${text.slice(0, 600)}`);
  }
}

const onServer = (path: string) => (url: URL) => url.origin === server.url && url.pathname === path;

async function signInOnLoginPage(page: Page, user: { userName: string; password: string }): Promise<void> {
  await page.getByLabel('User name or e-mail').fill(user.userName);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

interface AppResult {
  patient?: string;
  scope?: string;
  need_patient_banner?: boolean;
  has_id_token: boolean;
  fhirUser: string | null;
  read: { resourceType: string; id: string };
  observations: string[];
  allObservations: string[];
}

/** What the app shows once fhirclient's ready() and its first requests are done; fails with the app's error otherwise. */
async function appResult(page: Page): Promise<AppResult> {
  await page.locator('#result:not([hidden]), #error:not([hidden])').first().waitFor();
  const error = await page.locator('#error').textContent();
  if (error) throw new Error(`the app failed at ${page.url()}: ${error}`);
  return JSON.parse((await page.locator('#result').textContent())!) as AppResult;
}

/** A request the app's fhirclient instance makes, as the app would: its status, and the ids of a Bundle's entries. */
function appRequest(page: Page, url: string): Promise<{ status: number; ids?: string[]; body?: unknown }> {
  return page.evaluate(async (path) => {
    const client = (globalThis as unknown as { smart: { request(url: string): Promise<Record<string, unknown>> } }).smart;
    try {
      const body = await client.request(path);
      const entries = body.resourceType === 'Bundle' ? ((body.entry as { resource: { id: string } }[] | undefined) ?? []) : undefined;
      return { status: 200, ids: entries?.map((entry) => entry.resource.id).sort() };
    } catch (error) {
      const { status, body } = error as { status?: number; body?: unknown };
      return { status: status ?? 0, body };
    }
  }, url);
}

/** Two patients with Observations of their own: the app must only ever see the launch patient's. */
async function createPatients() {
  const tag = unique();
  const alice = { id: `alice-${tag}`, given: 'Alice', family: `Anders-${tag}`, observations: [`alice-${tag}-bp`, `alice-${tag}-hr`] };
  const bob = { id: `bob-${tag}`, given: 'Bob', family: `Brown-${tag}`, observations: [`bob-${tag}-bp`] };
  for (const patient of [alice, bob]) {
    await server.http.put(`/fhir/Patient/${patient.id}`).send({ resourceType: 'Patient', id: patient.id, name: [{ given: [patient.given], family: patient.family }] }).expect(201);
    for (const id of patient.observations) {
      await server.http.put(`/fhir/Observation/${id}`).send({
        resourceType: 'Observation',
        id,
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: id.endsWith('-hr') ? '8867-4' : '85354-9' }] },
        subject: { reference: `Patient/${patient.id}` },
      }).expect(201);
    }
  }
  return { alice, bob };
}

/**
 * A SMART app's public Client (PKCE, no secret) with its launch and redirect URIs, and the
 * AccessPolicy that lets the granted scopes alone decide what its tokens may do.
 */
async function registerSmartApp(app: SmartApp, clientId: string, options: { firstParty: boolean }): Promise<void> {
  await server.http.put(`/Client/${clientId}`).send({
    grant_types: ['authorization_code'],
    first_party: options.firstParty,
    scope: ['launch', 'launch/patient', 'openid', 'fhirUser', 'patient/*.rs'],
    smart: { launch_uri: app.launchUrl, name: 'Vitals Viewer' },
    allowed_origins: [app.url],
    auth: { authorization_code: { redirect_uri: app.redirectUrl, secret_required: false, pkce: true, token_format: 'jwt', access_token_expiration: 300 } },
  }).expect(201);
  await server.http.put(`/AccessPolicy/${clientId}-by-scopes`).send({ engine: 'smart-on-fhir', link: [{ id: clientId, resourceType: 'Client' }] }).expect(201);
}

/** A standalone patient-launch app, started and registered. */
async function standaloneApp(): Promise<{ app: SmartApp; clientId: string }> {
  const clientId = `vitals-${unique()}`;
  const app = await startSmartApp({ iss: fhirBase(), clientId, scope: 'launch/patient openid fhirUser patient/*.rs' });
  open.push(app);
  await registerSmartApp(app, clientId, { firstParty: false });
  return { app, clientId };
}

describe('SMART App Launch with fhirclient in a browser', () => {
  it('standalone patient launch: login, consent, patient picker, then the app reads that patient and only their Observations', async () => {
    const { alice, bob } = await createPatients();
    const { app } = await standaloneApp();
    const user = await createUser(server);
    // The picker offers the patients the person may read, by their own AccessPolicies.
    await server.http.put(`/AccessPolicy/${user.id}-reads-patients`).send({
      engine: 'matcho',
      link: [{ id: user.id, resourceType: 'User' }],
      matcho: { 'request-method': 'get', params: { 'resource/type': 'Patient' } },
    }).expect(201);
    const page = await newPage();

    await page.goto(app.launchUrl);
    await arriveAt(page, onServer('/auth/login'), 'the login page');
    await signInOnLoginPage(page, user);

    await arriveAt(page, onServer('/auth/authorize'), 'the consent page');
    await page.getByRole('button', { name: 'Allow' }).click();

    await arriveAt(page, onServer('/auth/authorize'), 'the patient picker');
    // Both patients are offered, Bob not preselected: the person's choice is what counts.
    await page.getByRole('radio', { name: new RegExp(alice.family) }).waitFor();
    const bobsRadio = page.getByRole('radio', { name: new RegExp(bob.family) });
    expect(await bobsRadio.isChecked()).toBe(false);
    await bobsRadio.check();
    await page.screenshot({ path: screenshotPath('smart-patient-picker'), fullPage: true });
    await page.getByRole('button', { name: 'Continue' }).click();

    await arriveAt(page, (url) => url.href.startsWith(app.redirectUrl), "the app's redirect page");
    const result = await appResult(page);
    expect(result.patient).toBe(bob.id);
    expect(result.need_patient_banner).toBe(true);
    expect(result.read).toEqual({ resourceType: 'Patient', id: bob.id });
    expect(result.scope?.split(' ')).toEqual(expect.arrayContaining(['launch/patient', 'openid', 'fhirUser', 'patient/*.rs']));
    expect(result.has_id_token).toBe(true);
    expect(result.observations).toEqual(bob.observations);
    // A search without a patient parameter is confined to the launch patient's compartment all the same.
    expect(result.allObservations).toEqual(bob.observations);
    expect(await page.locator('#patient-name').textContent()).toBe(`Bob ${bob.family}`);
    await page.screenshot({ path: screenshotPath('smart-app-standalone'), fullPage: true });

    // Another patient, and their Observations, are out of the granted compartment.
    expect((await appRequest(page, `Patient/${alice.id}`)).status).toBe(403);
    expect((await appRequest(page, `Observation/${alice.observations[0]}`)).status).toBe(403);
    expect(await appRequest(page, `Observation?patient=${alice.id}`)).toMatchObject({ status: 200, ids: [] });
  });

  it('standalone patient launch by a person who is a Patient: no picker, the launch patient is their own record', async () => {
    const { alice } = await createPatients();
    const { app } = await standaloneApp();
    const user = await createUser(server, { fhirUser: { id: alice.id, resourceType: 'Patient' } });
    const page = await newPage();

    await page.goto(app.launchUrl);
    await arriveAt(page, onServer('/auth/login'), 'the login page');
    await signInOnLoginPage(page, user);
    await arriveAt(page, onServer('/auth/authorize'), 'the consent page');
    await page.getByRole('button', { name: 'Allow' }).click();

    await arriveAt(page, (url) => url.href.startsWith(app.redirectUrl), "the app's redirect page");
    const result = await appResult(page);
    expect(result.patient).toBe(alice.id);
    expect(result.fhirUser).toBe(`Patient/${alice.id}`);
    expect(result.need_patient_banner).toBe(false);
    expect(result.read).toEqual({ resourceType: 'Patient', id: alice.id });
    expect(result.observations).toEqual(alice.observations.sort());
    expect(result.allObservations).toEqual(alice.observations.sort());
  });

  it('EHR launch: the EHR opens the app with iss and launch, and the app gets the patient the EHR chose', async () => {
    const { alice, bob } = await createPatients();
    const clientId = `ehr-vitals-${unique()}`;
    const app = await startSmartApp({ clientId, scope: 'launch openid fhirUser patient/*.rs' });
    open.push(app);
    await registerSmartApp(app, clientId, { firstParty: true });
    const user = await createUser(server);

    const launched = await server.http.post('/rpc').send({
      method: 'aidbox.smart/get-launch-uri',
      params: { client: { id: clientId }, user: { id: user.id }, iss: fhirBase(), ctx: { patient: bob.id } },
    }).expect(200);
    const { uri, launch } = launched.body.result as { uri: string; launch: string };
    const launchUri = new URL(uri);
    expect(`${launchUri.origin}${launchUri.pathname}`).toBe(app.launchUrl);
    expect(launchUri.searchParams.get('iss')).toBe(fhirBase());
    expect(launchUri.searchParams.get('launch')).toBe(launch);

    const page = await newPage();
    const authorizeRequested = page.waitForRequest((request) => request.url().startsWith(`${server.url}/auth/authorize?`));
    await page.goto(uri);
    // fhirclient took iss and launch from the launch URL and passed them on (SMART §ehr-launch).
    const authorize = new URL((await authorizeRequested).url());
    expect(authorize.searchParams.get('launch')).toBe(launch);
    expect(authorize.searchParams.get('aud')).toBe(fhirBase());
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');

    await arriveAt(page, onServer('/auth/login'), 'the login page');
    await signInOnLoginPage(page, user);

    await arriveAt(page, (url) => url.href.startsWith(app.redirectUrl), "the app's redirect page");
    const result = await appResult(page);
    expect(result.patient).toBe(bob.id);
    expect(result.need_patient_banner).toBe(true);
    expect(result.read).toEqual({ resourceType: 'Patient', id: bob.id });
    expect(result.scope?.split(' ')).toEqual(expect.arrayContaining(['launch', 'patient/*.rs']));
    expect(result.observations).toEqual(bob.observations);
    expect(result.allObservations).toEqual(bob.observations);
    expect((await appRequest(page, `Patient/${alice.id}`)).status).toBe(403);
    await page.screenshot({ path: screenshotPath('smart-app-ehr-launch'), fullPage: true });

    // The launch value is single-use: opening the same launch URL again, still signed in, gets the
    // app an error instead of a second token for that context.
    const again = await page.context().newPage();
    await again.goto(uri);
    await arriveAt(again, (url) => url.href.startsWith(app.redirectUrl), "the app's redirect page");
    await again.locator('#error:not([hidden])').waitFor();
    expect(await again.locator('#error').textContent()).toMatch(/^invalid_request\b/);
  });
});
