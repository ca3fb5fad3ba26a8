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
 *   on it; YAML bodies queue for the one worker, at most QUEUE_LIMIT of them (503 beyond).
 * - Fairness. One caller (a user, a client, or an address without credentials) may have at most
 *   PER_CALLER_LIMIT bodies queued or parsing (503 beyond), so no single caller fills the queue;
 *   and the smallest waiting body is parsed next, so a small write waits for at most the body
 *   being parsed, never behind a row of large ones.
 */

/** The parse deadline of a body: 2 s, and 2 s more per MB. */
export function yamlDeadlineMs(bytes: number): number {
  return 2_000 + Math.ceil((bytes / 1024 ** 2) * 2_000);
}

/** YAML bodies waiting for the worker, beyond the one it parses. */
export const QUEUE_LIMIT = 8;
/** YAML bodies of one caller queued or parsing. */
export const PER_CALLER_LIMIT = 2;

const WORKER_FILE = path.join(repoRoot, 'src', 'http', 'yaml-worker.cjs');

const tooCostly = (why: string) => new HttpError(400, 'too-costly', why);

interface Job {
  id: number;
  caller: string;
  bytes: number;
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
/** Bodies queued or parsing, per caller. */
const perCaller = new Map<string, number>();

function release(job: Job): void {
  const left = (perCaller.get(job.caller) ?? 1) - 1;
  if (left > 0) perCaller.set(job.caller, left);
  else perCaller.delete(job.caller);
}

/** The smallest waiting body (the first of equals): taken out of the queue. */
function takeSmallest(): Job | undefined {
  if (!queue.length) return undefined;
  let best = 0;
  for (let i = 1; i < queue.length; i++) if (queue[i].bytes < queue[best].bytes) best = i;
  return queue.splice(best, 1)[0];
}

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
  if (running) release(running);
  running = undefined;
  pump();
}

function pump(): void {
  if (running) return;
  const job = takeSmallest();
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
  const limit = yamlDeadlineMs(job.bytes);
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
 * bodies are already waiting, or PER_CALLER_LIMIT of this caller's.
 */
export function parseYaml(text: string, maxDepth: number, caller = ''): Promise<unknown> {
  const busy = (why: string) => Promise.reject(new HttpError(503, 'throttled', why, undefined, { 'retry-after': '2' }));
  if (queue.length >= QUEUE_LIMIT) return busy('Too many YAML bodies are waiting to be parsed; try again shortly');
  if ((perCaller.get(caller) ?? 0) >= PER_CALLER_LIMIT) return busy(`At most ${PER_CALLER_LIMIT} YAML bodies of one caller are parsed at a time; try again shortly`);
  perCaller.set(caller, (perCaller.get(caller) ?? 0) + 1);
  return new Promise((resolve, reject) => {
    queue.push({ id: nextId++, caller, bytes: Buffer.byteLength(text), text, maxDepth, resolve, reject });
    pump();
  });
}
