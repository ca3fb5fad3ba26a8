/**
 * npm run bench:authorize — complete OAuth authorization-code flows per second (RFC 6749 §4.1 with
 * PKCE S256, RFC 7636), Lockbox against node-oidc-provider (in-memory store) in the same run; goal
 * ratio ≥ 1.0. One flow: GET the authorization endpoint with a signed-in session cookie → 302 whose
 * Location carries the code and our state; then POST the token endpoint with that code, the
 * redirect_uri and a fresh code_verifier, as a public client, scope openid (so both sides sign an
 * id_token) → 200 with an access_token. Lockbox is measured twice: a first-party client (no consent)
 * and a third-party client whose Grant was recorded once through the consent form.
 * BENCH_SECONDS (default 8) bounds each scenario, run in alternating rounds with the one it is
 * compared with; BENCH_CONNECTIONS (default 16) is the concurrency. The load generator is plain
 * node:http on keep-alive sockets, so it takes little of the two cores the servers share with it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { alternate, loop, ROOT_BASIC, startBenchServer, startScriptServer, type Figures } from './bench-server';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const ROUNDS = 4;
// Nothing listens there: the flow reads the code off the Location header, never follows it.
const REDIRECT_URI = 'http://127.0.0.1:1/cb';
const USER = { userName: 'bench-user', password: 'bench-user-password-0123456789' };

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function send(agent: Agent, url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Everything one side's flow needs: where to go, as which client, with which session cookie. */
interface Target {
  name: string;
  authorizeUrl: string;
  tokenUrl: string;
  clientId: string;
  cookie: string;
  agent: Agent;
}

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

async function flow(target: Target): Promise<void> {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(12).toString('base64url');
  const query = form({
    response_type: 'code',
    client_id: target.clientId,
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    state,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const authorized = await send(target.agent, `${target.authorizeUrl}?${query}`, { headers: { cookie: target.cookie } });
  const location = authorized.headers.location;
  if ((authorized.status !== 302 && authorized.status !== 303) || !location?.startsWith(REDIRECT_URI)) {
    throw new Error(`${target.name}: authorize answered ${authorized.status} ${location ?? authorized.body.slice(0, 300)}`);
  }
  const answer = new URL(location).searchParams;
  const code = answer.get('code');
  if (!code || answer.get('state') !== state) throw new Error(`${target.name}: authorize redirected to ${location}`);
  const token = await send(target.agent, target.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier, client_id: target.clientId }),
  });
  if (token.status !== 200) throw new Error(`${target.name}: token answered ${token.status} ${token.body.slice(0, 300)}`);
  const tokens = JSON.parse(token.body) as { access_token?: string; id_token?: string };
  if (!tokens.access_token || !tokens.id_token) throw new Error(`${target.name}: token response lacks access_token or id_token: ${token.body.slice(0, 300)}`);
}

const measure = (target: Target) => () => loop(target.name, SECONDS / ROUNDS, CONNECTIONS, () => flow(target));

/** Cookies as a browser keeps them across redirects on one host (RFC 6265 §5.3), sent by path (§5.4). */
class CookieJar {
  private readonly cookies = new Map<string, { value: string; path: string }>();
  take(setCookie: string[] | undefined): void {
    for (const line of setCookie ?? []) {
      const [pair, ...attributes] = line.split(';').map((part) => part.trim());
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      const attribute = (key: string) => attributes.find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const path = attribute('path') ?? '/';
      const expires = attribute('expires');
      const expired = attribute('max-age') === '0' || (expires !== undefined && Date.parse(expires) < Date.now());
      if (expired || !value) this.cookies.delete(`${path} ${name}`);
      else this.cookies.set(`${path} ${name}`, { value, path });
    }
  }
  header(url: string): string {
    const { pathname } = new URL(url);
    return [...this.cookies]
      .filter(([, { path }]) => pathname === path || pathname.startsWith(path.endsWith('/') ? path : `${path}/`))
      .map(([key, { value }]) => `${key.slice(key.indexOf(' ') + 1)}=${value}`)
      .join('; ');
  }
}

/**
 * Signs in at oidc-provider and records the Grant once: the authorization request, its
 * interaction (login and consent in one step), back to the authorization endpoint, to the code.
 * Returns the session cookies a later authorization request needs.
 */
async function signInAtOidcProvider(baseUrl: string, agent: Agent): Promise<string> {
  const jar = new CookieJar();
  let url = `${baseUrl}/auth?${form({ response_type: 'code', client_id: 'bench-app', redirect_uri: REDIRECT_URI, scope: 'openid', state: 'setup', code_challenge: createHash('sha256').update('v'.repeat(43)).digest('base64url'), code_challenge_method: 'S256' })}`;
  for (let hop = 0; hop < 10; hop++) {
    const reply = await send(agent, url, { headers: { cookie: jar.header(url) } });
    jar.take(reply.headers['set-cookie']);
    const location = reply.headers.location;
    if (reply.status < 300 || reply.status >= 400 || !location) throw new Error(`oidc-provider sign-in: ${url} answered ${reply.status} ${reply.body.slice(0, 300)}`);
    if (location.startsWith(REDIRECT_URI)) return jar.header(`${baseUrl}/auth`);
    url = new URL(location, baseUrl).toString();
  }
  throw new Error('oidc-provider sign-in: too many redirects');
}

const startOidcProvider = () => startScriptServer('bench/oidc-provider-authorize-server.ts', { BENCH_REDIRECT_URI: REDIRECT_URI });

async function put(url: string, body: unknown): Promise<void> {
  const response = await fetch(url, { method: 'PUT', headers: { authorization: ROOT_BASIC, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`PUT ${url}: ${response.status} ${await response.text()}`);
}

const publicClient = (firstParty: boolean) => ({
  grant_types: ['authorization_code'],
  first_party: firstParty,
  auth: { authorization_code: { redirect_uri: REDIRECT_URI, secret_required: false, pkce: true } },
});

async function signInAtLockbox(baseUrl: string): Promise<string> {
  const response = await fetch(`${baseUrl}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: USER.userName, password: USER.password }) });
  const asid = response.headers.getSetCookie().find((cookie) => cookie.startsWith('asid='));
  if (!response.ok || !asid) throw new Error(`POST /auth/login: ${response.status} ${await response.text()}`);
  return asid.split(';')[0];
}

/**
 * Records the Grant of a third-party client as a person would: the consent page, then its form
 * posted back with decision=allow and the csrf value of the lockbox_csrf cookie it set.
 * Returns false when this Lockbox has no consent page (the scenario is then left out).
 */
async function consentAtLockbox(baseUrl: string, clientId: string, asid: string, agent: Agent): Promise<boolean> {
  const query = form({ response_type: 'code', client_id: clientId, redirect_uri: REDIRECT_URI, scope: 'openid', state: 'setup', code_challenge: createHash('sha256').update('v'.repeat(43)).digest('base64url'), code_challenge_method: 'S256' });
  const page = await send(agent, `${baseUrl}/auth/authorize?${query}`, { headers: { cookie: asid } });
  if (page.status !== 200 || !/name="decision"/.test(page.body)) return false;
  const jar = new CookieJar();
  jar.take(page.headers['set-cookie']);
  const fields = new URLSearchParams();
  for (const [input] of page.body.matchAll(/<input\b[^>]*>/g)) {
    const attribute = (name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(input)?.[1];
    const type = attribute('type');
    const name = attribute('name');
    if (!name || (type !== 'hidden' && type !== 'checkbox')) continue;
    fields.append(name, decodeEntities(attribute('value') ?? 'on'));
  }
  fields.set('decision', 'allow');
  const allowed = await send(agent, `${baseUrl}/auth/authorize`, {
    method: 'POST',
    headers: { cookie: `${asid}; ${jar.header(`${baseUrl}/auth/authorize`)}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: fields.toString(),
  });
  if (!allowed.headers.location?.startsWith(REDIRECT_URI) || !new URL(allowed.headers.location).searchParams.get('code')) {
    throw new Error(`consent: ${allowed.status} ${allowed.headers.location ?? allowed.body.slice(0, 300)}`);
  }
  return true;
}

const decodeEntities = (text: string) =>
  text.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (entity) => ({ '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'" })[entity]!);

function printTable(rows: Array<Figures & { ratio?: string }>): void {
  console.log('\n| scenario | flows/s | p50 ms | p99 ms | ratio |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const row of rows) console.log(`| ${row.name} | ${row.rps.toFixed(0)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${row.ratio ?? ''} |`);
}

async function main() {
  const server = await startBenchServer({ BOX_ADMIN_PASSWORD: 'bench-admin-password-0123456789' });
  const baseline = await startOidcProvider();
  const agent = (): Agent => new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  try {
    const theirs: Target = { name: 'oidc-provider: code flow, PKCE, id_token (in-memory)', authorizeUrl: `${baseline.url}/auth`, tokenUrl: `${baseline.url}/token`, clientId: 'bench-app', cookie: '', agent: agent() };
    theirs.cookie = await signInAtOidcProvider(baseline.url, theirs.agent);

    await put(`${server.url}/User/bench-user`, USER);
    await put(`${server.url}/Client/bench-first-party`, publicClient(true));
    await put(`${server.url}/Client/bench-third-party`, publicClient(false));
    const asid = await signInAtLockbox(server.url);
    const firstParty: Target = { name: 'lockbox: code flow, PKCE, id_token, first-party client', authorizeUrl: `${server.url}/auth/authorize`, tokenUrl: `${server.url}/auth/token`, clientId: 'bench-first-party', cookie: asid, agent: agent() };
    const thirdParty: Target = { ...firstParty, name: 'lockbox: code flow, PKCE, id_token, recorded Grant', clientId: 'bench-third-party', agent: agent() };
    const consented = await consentAtLockbox(server.url, thirdParty.clientId, asid, thirdParty.agent);

    // A check that every side completes a flow, then a second of each so the first measured round
    // does not carry the JIT's and PostgreSQL's warm-up.
    for (const target of consented ? [theirs, firstParty, thirdParty] : [theirs, firstParty]) {
      await flow(target);
      await loop(target.name, 1, CONNECTIONS, () => flow(target));
    }

    const started = performance.now();
    const cpu = process.cpuUsage();
    const [theirsA, ours] = await alternate(ROUNDS, measure(theirs), measure(firstParty));
    const rows: Array<Figures & { ratio?: string }> = [theirsA, { ...ours, ratio: `${(ours.rps / theirsA.rps).toFixed(2)} of oidc-provider (goal ≥ 1.0)` }];
    if (consented) {
      const [theirsB, oursGranted] = await alternate(ROUNDS, measure(theirs), measure(thirdParty));
      rows.push(theirsB, { ...oursGranted, ratio: `${(oursGranted.rps / theirsB.rps).toFixed(2)} of oidc-provider (goal ≥ 1.0)` });
    }
    const { user, system } = process.cpuUsage(cpu);
    const generatorShare = (user + system) / 1000 / (performance.now() - started);
    printTable(rows);
    console.log(
      `\n${CONNECTIONS} concurrent flows, ${SECONDS} s per scenario in ${ROUNDS} alternating rounds (p50: mean, p99: worst round; latency of a whole flow, authorize + token);` +
        ` both servers are single Node processes on loopback; Lockbox on PostgreSQL (pool 10); the load generator used ${(generatorShare * 100).toFixed(0)}% of one core.` +
        (consented ? '' : ' This Lockbox has no consent page: the recorded-Grant scenario was left out.'),
    );
  } finally {
    await baseline.stop();
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
