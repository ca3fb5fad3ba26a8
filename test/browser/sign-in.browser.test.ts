import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { createClient, createUser } from '../support/auth-factories';
import { launchChromium, screenshotPath } from '../support/browser-chromium';
import { startSpa } from '../support/browser-spa';
import { startWebApp } from '../support/browser-web-app';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * A person in a real browser (Debian's Chromium, driven by playwright-core) signing in to apps
 * through Lockbox's pages: a server-side web app using openid-client, and a single-page app on
 * another origin using oidc-client-ts. One browser for the file; a fresh context (cookies,
 * storage) for each test; each app on a loopback port of its own.
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

/** A fresh browser profile, closed after the test. */
async function newPage(options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
  const context: BrowserContext = await browser.newContext(options);
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

/** What the person does on the login page: the fields found by their labels, as a screen reader finds them. */
async function signInOnLoginPage(page: Page, user: { userName: string; password: string }, screenshot?: string): Promise<void> {
  await page.getByLabel('User name or e-mail').fill(user.userName);
  await page.getByLabel('Password').fill(user.password);
  if (screenshot) await page.screenshot({ path: screenshotPath(screenshot), fullPage: true });
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const onServer = (path: string) => (url: URL) => url.origin === server.url && url.pathname === path;

/** A web app's Client: confidential (HTTP Basic), code flow, consent unless first-party. */
function webAppClient(options: { firstParty: boolean; scope?: string[] }) {
  return (callbackUrl: string) =>
    createClient(server, {
      grant_types: ['authorization_code'],
      first_party: options.firstParty,
      scope: options.scope ?? ['openid', 'profile'],
      auth: { authorization_code: { redirect_uri: callbackUrl, token_format: 'jwt', access_token_expiration: 300 } },
    });
}

describe('signing in with a browser', () => {
  it('signs a person in to a web app through the login and consent pages, with the scopes they chose', async () => {
    await server.http.put('/Scope/browser-profile').send({ scope: 'profile', title: 'Your name and profile', description: 'Your name, user name and picture' }).expect(201);
    await server.http.put('/Scope/browser-email').send({ scope: 'email', title: 'Your e-mail address' }).expect(201);
    const app = await startWebApp(server.url, webAppClient({ firstParty: false, scope: ['openid', 'profile', 'email'] }), { scope: 'openid profile email' });
    open.push(app);
    const user = await createUser(server, { email: 'browser.person@example.org' });
    const page = await newPage();

    await page.goto(`${app.url}/sign-in`);
    await arriveAt(page, onServer('/auth/login'), 'the login page');
    await signInOnLoginPage(page, user, 'login');

    await arriveAt(page, onServer('/auth/authorize'), 'the consent page');
    // Each scope is shown by its Scope.title; a person may untick one.
    const profile = page.getByRole('checkbox', { name: /Your name and profile/ });
    const email = page.getByRole('checkbox', { name: /Your e-mail address/ });
    expect(await profile.isChecked()).toBe(true);
    expect(await email.isChecked()).toBe(true);
    await email.uncheck();
    await page.screenshot({ path: screenshotPath('consent'), fullPage: true });
    await page.getByRole('button', { name: 'Allow' }).click();

    await arriveAt(page, (url) => url.href.startsWith(app.callbackUrl), "the app's callback");
    expect(await page.locator('#sub').textContent()).toBe(user.id);
    const granted = (await page.locator('#scope').textContent())!.split(' ');
    expect(granted).toEqual(expect.arrayContaining(['openid', 'profile']));
    expect(granted).not.toContain('email');
    await page.screenshot({ path: screenshotPath('back-at-the-app'), fullPage: true });

    const grants = await server.sql<{ resource: Record<string, unknown> }>(`select resource from "grant" where resource#>>'{client,id}' = $1`, [app.client.id]);
    expect(grants).toHaveLength(1);
    expect(grants[0].resource).toMatchObject({ user: { id: user.id }, 'requested-scope': expect.arrayContaining(['email']) });
    expect(grants[0].resource['provided-scope']).not.toContain('email');
  });

  it('signs a person in to a single-page app on another origin: oidc-client-ts, public client, PKCE, CORS', async () => {
    const clientId = `spa-${Math.random().toString(36).slice(2, 10)}`;
    const spa = await startSpa({ issuer: server.url, clientId, scope: 'openid profile', api: '/fhir/Patient' });
    open.push(spa);
    await server.http.put(`/Client/${clientId}`).send({
      grant_types: ['authorization_code'],
      first_party: true,
      allowed_origins: [spa.url],
      auth: { authorization_code: { redirect_uri: spa.callbackUrl, secret_required: false, pkce: true, token_format: 'jwt', access_token_expiration: 300 } },
    }).expect(201);
    const user = await createUser(server);
    await server.http.put(`/AccessPolicy/${clientId}-reads-patients`).send({
      engine: 'matcho',
      link: [{ id: user.id, resourceType: 'User' }],
      matcho: { 'request-method': 'get', params: { 'resource/type': 'Patient' } },
    }).expect(201);
    await server.http.put('/fhir/Patient/seen-by-the-spa').send({ resourceType: 'Patient', id: 'seen-by-the-spa', name: [{ family: 'Shown' }] }).expect((res) => expect(res.status).toBeLessThan(300));
    const page = await newPage();

    await page.goto(spa.url);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await arriveAt(page, onServer('/auth/login'), 'the login page');
    const tokenRequested = page.waitForRequest((request) => request.url() === `${server.url}/auth/token` && request.method() === 'POST');
    await signInOnLoginPage(page, user);

    // First-party: no consent page. Back on the SPA's origin, its script redeems the code by CORS.
    const tokenRequest = await tokenRequested;
    expect(await tokenRequest.headerValue('origin')).toBe(spa.url);
    expect(await (await tokenRequest.response())!.headerValue('access-control-allow-origin')).toBe(spa.url);
    const form = new URLSearchParams(tokenRequest.postData() ?? '');
    expect(form.get('grant_type')).toBe('authorization_code');
    expect(form.get('code_verifier')).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
    expect(form.has('client_secret')).toBe(false);

    await page.locator('#result:not([hidden]), #error:not([hidden])').first().waitFor();
    expect(await page.locator('#error').textContent()).toBe('');
    expect(await page.locator('#sub').textContent()).toBe(user.id);
    const result = JSON.parse((await page.locator('#result').textContent())!);
    expect(result.status).toBe(200);
    expect(result.body.resourceType).toBe('Bundle');
    expect(result.body.entry.map((entry: { resource: { id: string } }) => entry.resource.id)).toContain('seen-by-the-spa');
    expect(new URL(page.url()).origin).toBe(spa.url);
    await page.screenshot({ path: screenshotPath('spa-signed-in'), fullPage: true });
  });

  it('signs in through the login form without JavaScript', async () => {
    const app = await startWebApp(server.url, webAppClient({ firstParty: true }));
    open.push(app);
    const user = await createUser(server, { email: 'no.script@example.org' });
    const page = await newPage({ javaScriptEnabled: false });

    await page.goto(`${app.url}/sign-in`);
    await arriveAt(page, onServer('/auth/login'), 'the login page');
    await signInOnLoginPage(page, user);
    await arriveAt(page, (url) => url.href.startsWith(app.callbackUrl), "the app's callback");
    expect(await page.locator('#sub').textContent()).toBe(user.id);

    // With no flow to continue, the person lands on a page that says who they are.
    const direct = await newPage({ javaScriptEnabled: false });
    await direct.goto(`${server.url}/auth/login`);
    await signInOnLoginPage(direct, user);
    await arriveAt(direct, onServer('/auth/account'), 'the account page');
    expect(await direct.locator('body').textContent()).toContain(user.userName);
    await direct.screenshot({ path: screenshotPath('account'), fullPage: true });
  });

  it('brings the person back to the app with access_denied when they deny consent', async () => {
    const app = await startWebApp(server.url, webAppClient({ firstParty: false }));
    open.push(app);
    const user = await createUser(server);
    const page = await newPage();

    await page.goto(`${app.url}/sign-in`);
    await arriveAt(page, onServer('/auth/login'), 'the login page');
    await signInOnLoginPage(page, user);
    await arriveAt(page, onServer('/auth/authorize'), 'the consent page');
    await page.getByRole('button', { name: 'Deny' }).click();

    await arriveAt(page, (url) => url.href.startsWith(app.callbackUrl), "the app's callback");
    const back = new URL(page.url());
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBeTruthy();
    expect(back.searchParams.get('iss')).toBe(server.url);
    expect(await page.locator('#error').textContent()).toBe('access_denied');
  });
});
