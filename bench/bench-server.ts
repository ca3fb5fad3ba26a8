import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import pg from 'pg';

/** Shared by the benchmarks: a fresh database, a real server process on loopback, and cleanup. */
export const DB_SERVER = process.env.BENCH_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const ROOT_SECRET = 'bench-root-secret-0123456789abcdef';
export const ROOT_BASIC = `Basic ${Buffer.from(`root:${ROOT_SECRET}`).toString('base64')}`;

export function databaseUrl(name: string): string {
  const url = new URL(DB_SERVER);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: DB_SERVER });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

export interface BenchServer {
  url: string;
  dbUrl: string;
  process: ChildProcess;
  /** Peak resident set size of the server process so far (VmHWM), in MB. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

/**
 * Starts the server as `npm start` runs it (the bundle its prestart builds, on plain Node) in its
 * own process on a new database; resolves when /health answers.
 */
export async function startBenchServer(env: Record<string, string> = {}): Promise<BenchServer> {
  execFileSync('npm', ['run', '--silent', 'prestart'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const dbName = `lockbox_bench_${process.pid}_${Date.now()}`;
  await admin(`create database "${dbName}"`);
  const dbUrl = databaseUrl(dbName);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--enable-source-maps', 'dist/main.js'], {
    env: { ...process.env, PORT: String(port), DATABASE_URL: dbUrl, BOX_WEB_BASE_URL: url, BOX_LOG_LEVEL: 'warn', BOX_ROOT_CLIENT_SECRET: ROOT_SECRET, BOX_ADMIN_PASSWORD: 'bench-admin-password', BOX_DB_POOL_SIZE: '10', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('server did not become healthy within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    dbUrl,
    process: child,
    peakRssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      return Math.round(kb / 1024);
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
      await admin(`drop database if exists "${dbName}" with (force)`);
    },
  };
}

export interface Figures {
  name: string;
  rps: number;
  p50: number;
  p99: number;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs `op` from `concurrency` loops for `seconds`; the same figures autocannon prints. */
export async function loop(name: string, seconds: number, concurrency: number, op: (worker: number, i: number) => Promise<void>): Promise<Figures> {
  const latencies: number[] = [];
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      for (let i = 0; performance.now() < end; i++) {
        const t0 = performance.now();
        await op(worker, i);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { name, rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

export function printTable(rows: Array<Figures & { ratio?: string }>): void {
  console.log('\n| scenario | req/s | p50 ms | p99 ms | ratio |');
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const row of rows) console.log(`| ${row.name} | ${row.rps.toFixed(0)} | ${row.p50.toFixed(2)} | ${row.p99.toFixed(2)} | ${row.ratio ?? ''} |`);
}

/**
 * Runs the two sides of a comparison in alternating rounds (A B A B …), so that a change in the
 * machine's load during the run falls on both alike (this box shares its host). Each side gets
 * `rounds` runs; req/s and p50 are averaged, p99 is the worst round's.
 */
export async function alternate(rounds: number, a: () => Promise<Figures>, b: () => Promise<Figures>): Promise<[Figures, Figures]> {
  const runs: Array<[Figures, Figures]> = [];
  for (let round = 0; round < rounds; round++) runs.push([await a(), await b()]);
  const mean = (side: 0 | 1): Figures => ({
    name: runs[0][side].name,
    rps: runs.reduce((sum, run) => sum + run[side].rps, 0) / rounds,
    p50: runs.reduce((sum, run) => sum + run[side].p50, 0) / rounds,
    p99: Math.max(...runs.map((run) => run[side].p99)),
  });
  return [mean(0), mean(1)];
}

/**
 * A baseline server script (bench/oidc-provider-*.ts) in a process of its own on loopback, so it
 * shares no CPU with the load generator; it prints "listening" when ready.
 */
export async function startScriptServer(script: string, env: Record<string, string>): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, ...env, PORT: String(port), NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('listening') && resolve());
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)));
    },
  };
}
