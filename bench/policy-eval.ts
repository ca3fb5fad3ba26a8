/**
 * npm run bench:policy-eval — the policy engine alone, no HTTP:
 *  1. mean time of one matcho policy evaluation over ~1e6 evaluations (goal < 5 µs), for a request it
 *     allows and for one it does not (the mismatch explanation is built then);
 *  2. mean time of evaluateAccess (index lookup + evaluation) for a client with one linked allow
 *     policy, alone and beside 10,000 policies linked to other users (goal: ratio ≈ 1, the cost must
 *     not grow with policies that do not concern the caller).
 * BENCH_ITERATIONS (default 1e6) sets the count for (1).
 */
import { compilePolicy } from '../src/access/compile-policy';
import type { Decision } from '../src/access/decision';
import { evaluateAccess } from '../src/access/evaluate-access';
import { buildPolicyIndex, type PolicyIndex } from '../src/access/policy-index';
import type { PolicyRequest } from '../src/access/policy-request';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 1e6);

const request: PolicyRequest = {
  'request-method': 'get',
  uri: '/fhir/Patient/pt-1',
  'query-string': '_elements=name',
  params: { _elements: 'name', 'resource/type': 'Patient', 'resource/id': 'pt-1' },
  headers: { accept: 'application/fhir+json', authorization: 'Bearer x' },
  user: { id: 'u1', resourceType: 'User', data: { patient_id: 'pt-1' } },
  client: { id: 'web', resourceType: 'Client' },
  jwt: { iss: 'http://localhost:8180/realms/myrealm', sub: 'u1' },
  operation: { id: 'FhirRead' },
  'remote-addr': '127.0.0.1',
  scheme: 'http',
};

/** A typical policy: the tutorial's issuer check, a method list, a regex on the uri and a .path. */
const policy = compilePolicy({
  id: 'patients-read-own',
  engine: 'matcho',
  matcho: {
    jwt: { iss: 'http://localhost:8180/realms/myrealm' },
    'request-method': { $enum: ['get', 'head'] },
    uri: '#^/fhir/Patient/[^/]+$',
    params: { 'resource/type': 'Patient', 'resource/id': '.user.data.patient_id' },
  },
});

function timeMatcho(label: string, input: PolicyRequest, expected: Decision['effect']): void {
  for (let i = 0; i < 10_000; i++) policy.evaluate(input);
  let allowed = 0;
  const started = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) if ((policy.evaluate(input) as Decision).effect === 'allow') allowed++;
  const ns = Number(process.hrtime.bigint() - started) / ITERATIONS;
  if ((allowed === ITERATIONS) !== (expected === 'allow')) throw new Error(`${label}: unexpected decisions`);
  console.log(`matcho, ${label.padEnd(40)} ${(ns / 1000).toFixed(3)} µs per evaluation (${ITERATIONS.toExponential(0)} evaluations; goal < 5 µs)`);
}

function buildIndex(others: number) {
  const policies = [{ id: 'web-client', resource: { engine: 'allow', link: [{ resourceType: 'Client', id: 'web' }] } }];
  for (let i = 0; i < others; i++) {
    policies.push({ id: `other-${i}`, resource: { engine: 'matcho', link: [{ resourceType: 'User', id: `user-${i}` }], matcho: { uri: `#^/fhir/Patient/${i}$` } } as never });
  }
  const started = process.hrtime.bigint();
  const index = buildPolicyIndex(policies);
  return { index, buildMs: Number(process.hrtime.bigint() - started) / 1e6 };
}

/** Mean µs per evaluateAccess call over `rounds` calls. */
async function timeAccess(index: PolicyIndex, rounds: number): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    const result = await evaluateAccess(index, request);
    if (!result.allowed) throw new Error('expected the linked client policy to allow');
  }
  return Number(process.hrtime.bigint() - started) / rounds / 1000;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main(): Promise<void> {
  timeMatcho('a request it allows', request, 'allow');
  timeMatcho('a request it does not (explained)', { ...request, uri: '/fhir/Patient/pt-1/_history' }, 'not-applicable');
  const alone = buildIndex(0);
  const crowded = buildIndex(10_000);
  // Interleaved rounds, median of each: warm-up, JIT and GC then weigh on both sides alike.
  const times = { alone: [] as number[], crowded: [] as number[] };
  await timeAccess(alone.index, 20_000);
  await timeAccess(crowded.index, 20_000);
  for (let round = 0; round < 5; round++) {
    times.alone.push(await timeAccess(alone.index, 100_000));
    times.crowded.push(await timeAccess(crowded.index, 100_000));
  }
  const [a, c] = [median(times.alone), median(times.crowded)];
  console.log(`evaluateAccess, one policy linked to the client     ${a.toFixed(3)} µs per request (median of 5 × 1e5)`);
  console.log(`evaluateAccess, + 10,000 linked to other users      ${c.toFixed(3)} µs per request (index of ${crowded.index.size} compiled in ${crowded.buildMs.toFixed(0)} ms)`);
  console.log(`ratio (10,000 others / alone): ${(c / a).toFixed(2)} (goal ≈ 1: candidates come from the caller's buckets only)`);
}

await main();
