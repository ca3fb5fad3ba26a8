import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { badRequest, HttpError } from '../errors/http-error';
import { repoRoot } from '../repo-root';

/**
 * YAML from a client, parsed so that no body can hurt the server. It runs in a worker thread
 * (src/http/yaml-worker.cjs), off the event loop, with a deadline and a heap limit:
 *
 * - Depth. The yaml library recurses once per level, and near the stack's end V8 can die outright
 *   (a regular expression compiled there aborts the whole process: seen with a 150 kB body). So
 *   before it parses, the worker bounds the nesting from the lexer's tokens, without recursion,
 *   and refuses a body that might nest deeper than the limit.
 * - Time. Some shapes cost the library quadratic time (20,000 keys in one mapping: 5 s). Past the
 *   deadline the worker is stopped and the request refused; other requests never wait on it
 *   longer than that, and requests without YAML not at all.
 */

/** How long one body may take to parse. Real resources take milliseconds. */
export const YAML_PARSE_DEADLINE_MS = 2_000;

const WORKER_FILE = path.join(repoRoot, 'src', 'http', 'yaml-worker.cjs');

const tooCostly = (why: string) => new HttpError(400, 'too-costly', why);

interface Job {
  id: number;
  text: string;
  maxDepth: number;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

let worker: Worker | undefined;
let running: Job | undefined;
let deadline: NodeJS.Timeout | undefined;
let idle: NodeJS.Timeout | undefined;
const queue: Job[] = [];
let nextId = 1;

function startWorker(): Worker {
  const started = new Worker(WORKER_FILE, {
    resourceLimits: { maxOldGenerationSizeMb: 256, stackSizeMb: 4 },
    stdout: false,
    stderr: false,
  });
  started.unref();
  started.on('message', (message: { id: number; value?: unknown; error?: string; costly?: boolean }) => {
    const job = running;
    if (!job || job.id !== message.id) return;
    finish();
    if (message.error === undefined) job.resolve(message.value);
    else job.reject(message.costly ? tooCostly(message.error) : badRequest(message.error));
  });
  // Out of heap, or stopped by us: the job it held is refused, the next job gets a new worker.
  const lost = () => {
    if (worker !== started) return;
    worker = undefined;
    const job = running;
    if (job) {
      finish();
      job.reject(tooCostly('The YAML body is too costly to parse'));
    }
  };
  started.on('error', lost);
  started.on('exit', lost);
  return started;
}

function finish(): void {
  clearTimeout(deadline);
  running = undefined;
  pump();
}

function pump(): void {
  if (running || queue.length === 0) {
    // A worker nobody uses for a while is stopped; the next YAML body starts one (about 50 ms).
    if (!running && worker && !idle) {
      idle = setTimeout(() => {
        idle = undefined;
        if (!running && queue.length === 0) void worker?.terminate();
      }, 10_000).unref();
    }
    return;
  }
  clearTimeout(idle);
  idle = undefined;
  const job = queue.shift()!;
  running = job;
  const current = (worker ??= startWorker());
  deadline = setTimeout(() => {
    if (running !== job) return;
    running = undefined;
    worker = undefined;
    job.reject(tooCostly(`The YAML body took more than ${YAML_PARSE_DEADLINE_MS / 1000} s to parse`));
    void current.terminate();
    pump();
  }, YAML_PARSE_DEADLINE_MS).unref();
  current.postMessage({ id: job.id, text: job.text, maxDepth: job.maxDepth });
}

/**
 * A client's YAML text → plain JSON data (the 1.2 core schema: no custom tags, no implicit dates,
 * at most 100 alias expansions). Refused with 400: malformed text, more than one document, nesting
 * deeper than `maxDepth`, or more than the deadline's worth of work.
 */
export function parseYaml(text: string, maxDepth: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    queue.push({ id: nextId++, text, maxDepth, resolve, reject });
    pump();
  });
}
