import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { buildPgliteTemplate } from '../../src/db/pglite-template';
import { loadRegistry } from '../../src/schema/resource-registry';

// What a newcomer's `npm start` runs: prestart bundles src/ into dist/main.js, then plain Node runs
// it on an empty PGlite directory. The bundle must find sql/, schemas/ and package.json as src/ does.
let scratch: string;
let child: ChildProcess | undefined;
beforeAll(async () => {
  await buildPgliteTemplate(loadRegistry().resourceTypes);
  scratch = await mkdtemp(path.join(tmpdir(), 'lockbox-first-start-'));
  execFileSync('npm', ['run', '--silent', 'prestart'], { stdio: 'ignore' });
}, 120_000);
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((resolve) => child!.once('exit', resolve));
  }
  await rm(scratch, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

describe('npm start on an empty PGlite directory', () => {
  it('serves from the bundle: healthy, a metadata answer, a Patient stored and read back, and requests Node cannot read answered with an OperationOutcome', async () => {
    expect(existsSync('dist/main.js')).toBe(true);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const dataDir = path.join(scratch, 'data');
    let output = '';
    child = spawn(process.execPath, ['--enable-source-maps', 'dist/main.js'], {
      env: { ...process.env, PORT: String(port), BOX_DATA_DIR: dataDir, BOX_WEB_BASE_URL: url, BOX_ROOT_CLIENT_SECRET: 'first-start-secret', BOX_ADMIN_PASSWORD: 'first-start-admin', BOX_LOG_LEVEL: 'info', DATABASE_URL: '', NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (chunk) => (output += chunk));
    child.stderr!.on('data', (chunk) => (output += chunk));
    for (let attempt = 0; !(await fetch(`${url}/health`).catch(() => undefined))?.ok; attempt++) {
      if (child.exitCode !== null || attempt > 300) throw new Error(`the server did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(output).toContain('"message":"Lockbox is ready"');
    expect(output).toContain(`"database":"pglite (${dataDir})"`);

    const metadata = await fetch(`${url}/fhir/metadata`);
    expect(metadata.status).toBe(200);
    expect(((await metadata.json()) as { resourceType: string }).resourceType).toBe('CapabilityStatement');

    const auth = `Basic ${Buffer.from('root:first-start-secret').toString('base64')}`;
    const created = await fetch(`${url}/fhir/Patient/first`, {
      method: 'PUT',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'First' }] }),
    });
    expect(created.status).toBe(201);
    const read = await fetch(`${url}/fhir/Patient/first`, { headers: { authorization: auth } });
    expect(((await read.json()) as { name: unknown }).name).toEqual([{ family: 'First' }]);
    // A write the schema refuses is refused by the bundle too: the generated schemas were found.
    const invalid = await fetch(`${url}/fhir/Patient/bad`, {
      method: 'PUT',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ resourceType: 'Patient', gender: 'sometimes' }),
    });
    expect(invalid.status).toBe(422);

    // What Node answers before any handler runs is an OperationOutcome too.
    const tooLong = await fetch(`${url}/fhir/Patient?name=${'a'.repeat(20_000)}`, { headers: { authorization: auth } });
    expect(tooLong.status).toBe(431);
    expect(((await tooLong.json()) as { issue: Array<{ code: string }> }).issue[0].code).toBe('too-long');
    const raw = await new Promise<string>((resolve, reject) => {
      let answer = '';
      const socket = connect(port, '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      socket.on('data', (chunk) => (answer += chunk));
      socket.on('end', () => resolve(answer));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toMatchObject({ resourceType: 'OperationOutcome' });

    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child!.once('exit', resolve))).toBe(0);
  }, 60_000);
});
