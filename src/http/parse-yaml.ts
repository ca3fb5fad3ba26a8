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
 * - Time. Some shapes cost the library quadratic time (20,000 keys in one mapping: 5 s), and
 *   ordinary YAML costs about 1.5 s per MB on our CI machine. A body gets 2 s plus 2 s per MB;
 *   past that the worker is stopped and the request refused. Requests without YAML never wait
 *   on it; YAML bodies queue for the one worker, at most QUEUE_LIMIT of them (503 beyond), so
 *   one waits at most that many deadlines.
 */

/** The parse deadline of a body: 2 s, and 2 s more per MB. */
export function yamlDeadlineMs(bytes: number): number {
  return 2_000 + Math.ceil((bytes / 1024 ** 2) * 2_000);
}

/** YAML bodies waiting for the worker, beyond the one it parses. */
export const QUEUE_LIMIT = 8;

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

/** Stops the worker; the next job starts another. */
function stopWorker(): void {
  const stopping = worker;
  worker = undefined;
  void stopping?.terminate();
}

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
    settle();
    if (message.error === undefined) job.resolve(message.value);
    else job.reject(message.costly ? tooCostly(message.error) : badRequest(message.error));
  });
  // Out of heap, or gone unexpectedly: the job it held is refused, the next job gets a new worker.
  // (A worker we stopped ourselves is no longer `worker`, and its job is already settled.)
  const lost = () => {
    if (worker !== started) return;
    worker = undefined;
    const job = running;
    if (job) {
      settle();
      job.reject(tooCostly('The YAML body is too costly to parse'));
    }
  };
  started.on('error', lost);
  started.on('exit', lost);
  return started;
}

/** The running job is done (answered, refused or given up on): on to the next. */
function settle(): void {
  clearTimeout(deadline);
  running = undefined;
  pump();
}

function pump(): void {
  if (running) return;
  const job = queue.shift();
  if (!job) {
    // A worker nobody uses for a while is stopped; the next YAML body starts one (about 50 ms).
    if (worker && !idle) {
      idle = setTimeout(() => {
        idle = undefined;
        if (!running && queue.length === 0) stopWorker();
      }, 10_000).unref();
    }
    return;
  }
  clearTimeout(idle);
  idle = undefined;
  running = job;
  const current = (worker ??= startWorker());
  const limit = yamlDeadlineMs(Buffer.byteLength(job.text));
  deadline = setTimeout(() => {
    if (running !== job || worker !== current) return;
    stopWorker();
    settle();
    job.reject(tooCostly(`The YAML body took more than ${(limit / 1000).toFixed(1)} s to parse`));
  }, limit).unref();
  current.postMessage({ id: job.id, text: job.text, maxDepth: job.maxDepth });
}

/**
 * A client's YAML text → plain JSON data (the 1.2 core schema: no custom tags, no implicit dates,
 * at most 100 alias expansions). Refused with 400: malformed text, more than one document, nesting
 * deeper than `maxDepth`, or more than the deadline's worth of work; with 503 when QUEUE_LIMIT
 * bodies are already waiting.
 */
export function parseYaml(text: string, maxDepth: number): Promise<unknown> {
  if (queue.length >= QUEUE_LIMIT) {
    return Promise.reject(new HttpError(503, 'throttled', 'Too many YAML bodies are waiting to be parsed; try again shortly', undefined, { 'retry-after': '2' }));
  }
  return new Promise((resolve, reject) => {
    queue.push({ id: nextId++, text, maxDepth, resolve, reject });
    pump();
  });
}
