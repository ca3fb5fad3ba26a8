import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A PostgreSQL server of a test's own, for tests that stop, restart or crash it: never the shared
 * server on 5432, which every other test file uses. initdb into a temporary directory on a free
 * port; as root, every command runs as the postgres user (PostgreSQL refuses to run as root).
 */
export interface OwnCluster {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** pg_ctl restart -m fast: sessions are terminated (57P01), the server is down for a moment. */
  restart(): Promise<void>;
  /** pg_ctl stop (-m fast, or immediate: a crash, recovered at the next start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  /** kill -9 of one backend: the postmaster ends every session and recovers from the WAL. */
  killBackend(pid: number): Promise<void>;
  destroy(): Promise<void>;
}

function binDir(): string {
  const versions = readdirSync('/usr/lib/postgresql').filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
  if (!versions.length) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

export async function startOwnCluster(): Promise<OwnCluster> {
  const bin = binDir();
  const asRoot = process.getuid?.() === 0;
  const postgresUid = asRoot ? Number((await run('id', ['-u', 'postgres'])).stdout.trim()) : undefined;
  const postgresGid = asRoot ? Number((await run('id', ['-g', 'postgres'])).stdout.trim()) : undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'lockbox-pg-'));
  if (asRoot) chownSync(dir, postgresUid!, postgresGid!);
  const data = path.join(dir, 'data');
  const port = await freePort();
  const pgctl = async (...args: string[]) => {
    const command = [path.join(bin, 'pg_ctl'), ...args];
    if (asRoot) await run('su', ['postgres', '-s', '/bin/sh', '-c', command.map(quote).join(' ')]);
    else await run(command[0], command.slice(1));
  };
  const initdb = [path.join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C'];
  if (asRoot) await run('su', ['postgres', '-s', '/bin/sh', '-c', initdb.map(quote).join(' ')]);
  else await run(initdb[0], initdb.slice(1));
  // The socket lives in the data directory; no fsync: the tests crash the server, not the machine.
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  const start = () => pgctl('-D', data, '-o', options, '-l', path.join(dir, 'log'), '-w', '-t', '30', 'start');
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    restart: () => pgctl('-D', data, '-o', options, '-l', path.join(dir, 'log'), '-m', 'fast', '-w', '-t', '30', 'restart'),
    stop: (mode = 'fast') => pgctl('-D', data, '-m', mode, '-w', '-t', '30', 'stop'),
    start,
    async killBackend(pid) {
      process.kill(pid, 'SIGKILL');
    },
    async destroy() {
      try {
        const postmaster = Number(readFileSync(path.join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (postmaster) await pgctl('-D', data, '-m', 'immediate', '-w', 'stop').catch(() => undefined);
      } catch {
        // not running
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
