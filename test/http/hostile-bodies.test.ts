import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';

// Bodies built to hurt the server: nested past any real resource, wide past any real type, or
// costly for the YAML parser. Each gets a 400 (or a short 422) and the server keeps serving.
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
}, 60_000);
afterAll(async () => {
  await server.close();
});

const nestedJson = (levels: number) =>
  `{"resourceType":"Patient","extension":${'[{"url":"x","extension":'.repeat(levels)}[{"url":"x","valueString":"end"}]${'}]'.repeat(levels)}}`;
const patientCount = async () => (await server.sql<{ n: number }>('select count(*)::int as n from patient'))[0].n;

async function expectTooCostly(request: Promise<{ status: number; body: { issue?: Array<{ code: string }> } }>) {
  const response = await request;
  expect(response.status).toBe(400);
  expect(response.body.issue?.[0].code).toBe('too-costly');
}

describe('nesting', () => {
  it('accepts a resource nested 60 extensions deep', async () => {
    const { body } = await server.http.post('/fhir/Patient').set('content-type', 'application/json').send(nestedJson(60)).expect(201);
    const read = await server.http.get(`/fhir/Patient/${body.id}`).expect(200);
    expect(JSON.stringify(read.body.extension).split('"extension"').length).toBe(61);
  });

  it('refuses JSON nested deeper than 200 levels with 400 too-costly on both path styles, and stores nothing', async () => {
    const before = await patientCount();
    for (const levels of [101, 20_000]) {
      for (const path of ['/fhir/Patient', '/Patient']) {
        await expectTooCostly(server.http.post(path).set('content-type', 'application/json').send(nestedJson(levels)));
      }
    }
    // Inside a bundle too: the whole body is checked before any entry runs.
    const bundle = { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: JSON.parse(nestedJson(150)), request: { method: 'POST', url: 'Patient' } }] };
    await expectTooCostly(server.http.post('/fhir').send(bundle));
    expect(await patientCount()).toBe(before);
  });

  it('refuses YAML nested too deep, in flow, block and compact forms and through aliases', async () => {
    const flow = nestedJson(20_000);
    const block = `resourceType: Patient\nx:\n${Array.from({ length: 300 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n')} 1\n`;
    const compact = `resourceType: Patient\nx:\n  ${'- '.repeat(50_000)}1\n`;
    const compactMaps = `resourceType: Patient\nx:\n  ${'- a: '.repeat(30_000)}1\n`;
    // Each line is shallow; the aliases stack them 750 deep.
    const aliased = ['resourceType: Patient', ...Array.from({ length: 5 }, (_, i) => `k${i}: &a${i} ${'['.repeat(150)}${i ? `*a${i - 1}` : '1'}${']'.repeat(150)}`)].join('\n');
    for (const text of [flow, block, compact, compactMaps, aliased]) {
      await expectTooCostly(server.http.post('/fhir/Patient').set('content-type', 'text/yaml').send(text));
    }
    await server.http.get('/health').expect(200);
  });

  it('refuses mappings inside flow sequences nested past the limit', async () => {
    const text = `resourceType: Patient\nx: ${'[a: '.repeat(120)}x${']'.repeat(120)}\n`;
    await expectTooCostly(server.http.post('/fhir/Patient').set('content-type', 'text/yaml').send(text));
  });

  it('reads YAML with Windows line endings as deep as the same YAML with Unix ones', async () => {
    const names = Array.from({ length: 70 }, (_, i) => `  - family: F${i}\n    given:\n      - G${i}`).join('\n');
    const text = `resourceType: Patient\nname:\n${names}\n`;
    for (const body of [text, text.replaceAll('\n', '\r\n')]) {
      const created = await server.http.post('/fhir/Patient').set('content-type', 'text/yaml').send(body).expect(201);
      expect(created.body.name).toHaveLength(70);
    }
  });

  it('still reads ordinary YAML, block and flow', async () => {
    const { body } = await server.http
      .post('/fhir/Patient')
      .set('content-type', 'text/yaml')
      .send('resourceType: Patient\nname:\n  - family: "O\'Hara [x]"\n    given: [Ann]\n')
      .expect(201);
    expect(body.name).toEqual([{ family: "O'Hara [x]", given: ['Ann'] }]);
  });
});

describe('width and cost', () => {
  it('refuses an object with more than 1000 fields with 400', async () => {
    const wide: Record<string, unknown> = { resourceType: 'Patient' };
    for (let i = 0; i < 1500; i++) wide[`k${i}`] = 1;
    await expectTooCostly(server.http.post('/fhir/Patient').send(wide));
  });

  it('lists at most 100 problems in a 422 and counts the rest in one more issue', async () => {
    const wide: Record<string, unknown> = { resourceType: 'Patient' };
    for (let i = 0; i < 500; i++) wide[`k${i}`] = 1;
    const { body } = await server.http.post('/fhir/Patient').send(wide).expect(422);
    expect(body.issue).toHaveLength(101);
    expect(body.issue[100]).toMatchObject({ code: 'too-costly', diagnostics: '400 more problems are not listed' });
  });

  it('stops parsing YAML that costs more than the deadline, with 400, while other requests go on being answered', async () => {
    // One mapping with 40,000 keys: the YAML library checks keys pairwise (tens of seconds of work).
    const costly = `resourceType: Patient\n${Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`).join('\n')}\n`;
    const order: string[] = [];
    const yaml = server.http.post('/fhir/Patient').set('content-type', 'text/yaml').send(costly).then((response) => {
      order.push('yaml');
      return response;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.http.get('/fhir/Patient?_count=1').expect(200);
    order.push('read');
    const refused = await yaml;
    expect(refused.status).toBe(400);
    expect(refused.body.issue[0]).toMatchObject({ code: 'too-costly', diagnostics: expect.stringMatching(/^The YAML body took more than \d+\.\d s to parse$/) });
    expect(order).toEqual(['read', 'yaml']);
    // The next YAML body gets a fresh parser.
    await server.http.post('/fhir/Patient').set('content-type', 'text/yaml').send('resourceType: Patient\n').expect(201);
  }, 30_000);

  it('lets at most 8 YAML bodies wait for the parser and answers more with 503 and Retry-After', async () => {
    const costly = `resourceType: Patient\n${Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`).join('\n')}\n`;
    // Nine callers of their own, so that no caller's own limit is what turns one away.
    const callers = await Promise.all(Array.from({ length: 9 }, () => createClient(server, { grant_types: ['basic'] })));
    await server.http.put('/AccessPolicy/yaml-callers').send({ engine: 'allow', link: callers.map(({ id }) => ({ resourceType: 'Client', id })) }).expect(201);
    // .then() sends at once (a supertest request is sent only when awaited).
    const post = (text: string, caller?: { id: string; secret: string }) => {
      const request = caller ? server.anonymous.post('/fhir/Patient').auth(caller.id, caller.secret) : server.http.post('/fhir/Patient');
      return request.set('content-type', 'text/yaml').send(text).then((response) => response);
    };
    const busy = post(costly);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // Nine more while the parser is busy: eight wait their turn, one is turned away.
    const answers = await Promise.all(callers.map((caller) => post('resourceType: Patient\n', caller)));
    expect(answers.map((response) => response.status).sort()).toEqual([...Array(8).fill(201), 503]);
    const turnedAway = answers.find((response) => response.status === 503)!;
    expect(turnedAway.headers['retry-after']).toBe('2');
    expect(turnedAway.body.issue[0].code).toBe('throttled');
    expect((await busy).status).toBe(400);
  }, 30_000);

  it('lets one caller have at most 2 YAML bodies in the parser\'s queue, and parses a small body before waiting large ones', async () => {
    const costly = `resourceType: Patient\n${Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`).join('\n')}\n`;
    const other = await createClient(server, { grant_types: ['basic'] });
    await server.http.put('/AccessPolicy/yaml-other').send({ engine: 'allow', link: [{ resourceType: 'Client', id: other.id }] }).expect(201);
    const order: string[] = [];
    const post = (name: string, request: ReturnType<typeof server.http.post>, text: string) =>
      request.set('content-type', 'text/yaml').send(text).then((response) => {
        order.push(name);
        return response;
      });
    const first = post('first', server.http.post('/fhir/Patient'), costly);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const second = post('second', server.http.post('/fhir/Patient'), costly);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // A third of the same caller is turned away at once; another caller's small write is not.
    const third = await post('third', server.http.post('/fhir/Patient'), costly);
    expect(third.status).toBe(503);
    expect(third.body.issue[0].diagnostics).toMatch(/of one caller/);
    const small = await post('small', server.anonymous.post('/fhir/Patient').auth(other.id, other.secret), 'resourceType: Patient\n');
    expect(small.status).toBe(201);
    expect((await first).status).toBe(400);
    expect((await second).status).toBe(400);
    expect(order).toEqual(['third', 'first', 'small', 'second']);
  }, 30_000);
});

describe('values PostgreSQL cannot hold', () => {
  it('refuses a string or field name with a NUL or an unpaired surrogate, and a number JSON cannot carry, with 400', async () => {
    const before = await patientCount();
    for (const text of [
      '{"resourceType":"Patient","name":[{"family":"a\\u0000b"}]}',
      '{"resourceType":"Patient","name":[{"family":"a\\ud800b"}]}',
      '{"resourceType":"Patient","a\\u0000":1}',
      '{"resourceType":"Patient","multipleBirthInteger":1e400}',
    ]) {
      const { body } = await server.http.post('/fhir/Patient').set('content-type', 'application/json').send(text).expect(400);
      expect(body.issue[0].code).toBe('invalid');
    }
    await server.http.post('/fhir/Patient').set('content-type', 'text/yaml').send('resourceType: Patient\nmultipleBirthInteger: .nan\n').expect(400);
    expect(await patientCount()).toBe(before);
  });

  it('refuses an integer outside FHIR\'s 32-bit range with 422 naming the field', async () => {
    const { body } = await server.http.post('/fhir/Patient').set('content-type', 'application/json').send('{"resourceType":"Patient","multipleBirthInteger":99999999999}').expect(422);
    expect(body.issue[0]).toMatchObject({ expression: ['Patient.multipleBirthInteger'], diagnostics: 'Value 99999999999 must be at most 2147483647' });
  });

  it('answers a search value PostgreSQL cannot compare with 400, and a read of such an id with 404, never failing the reads coalesced with it', async () => {
    for (const query of ['name=a%00b', 'identifier=a%00b', '_id=a%00b']) {
      const { body } = await server.http.get(`/fhir/Patient?${query}`).expect(400);
      expect(body.issue[0].code).toBe('invalid');
    }
    const { body: created } = await server.http.post('/fhir/Patient').send({ resourceType: 'Patient' }).expect(201);
    const reads = await Promise.all([
      ...Array.from({ length: 10 }, () => server.http.get(`/fhir/Patient/${created.id}`)),
      server.http.get('/fhir/Patient/a%00b'),
      ...Array.from({ length: 10 }, () => server.http.get(`/fhir/Patient/${created.id}`)),
    ]);
    expect(reads.map((read) => read.status)).toEqual([...Array(10).fill(200), 404, ...Array(10).fill(200)]);
    for (const path of ['/fhir/Patient/a%00b', '/fhir/Patient/a%00b/_history', '/fhir/Patient/a%00b/_history/1']) await server.http.get(path).expect(404);
    await server.http.delete('/fhir/Patient/a%00b').expect(404);
  });
});

describe('patches', () => {
  it('refuses a JSON Patch whose copies would grow the resource past the body limit, at once and without a new version', async () => {
    await server.http.put('/fhir/Patient/amplified').send({ resourceType: 'Patient', name: [{ family: 'Copy' }] }).expect(201);
    const operations = Array.from({ length: 40 }, (_, i) => ({ op: 'copy', from: '', path: `/x${i}` }));
    const started = Date.now();
    const { body } = await server.http.patch('/fhir/Patient/amplified').set('content-type', 'application/json-patch+json').send(JSON.stringify(operations)).expect(422);
    expect(body.issue[0].code).toBe('too-costly');
    expect(Date.now() - started).toBeLessThan(5_000);
    const history = await server.sql('select 1 from patient_history where id = $1', ['amplified']);
    expect(history).toHaveLength(1);
  });

  it('refuses a JSON Patch that nests the resource deeper than a body may be', async () => {
    await server.http.put('/fhir/Patient/deepened').send({ resourceType: 'Patient' }).expect(201);
    const deep = (levels: number): unknown => (levels === 0 ? 'end' : { a: deep(levels - 1) });
    const operations = [
      { op: 'add', path: '/x', value: deep(150) },
      { op: 'add', path: `/x${'/a'.repeat(149)}`, value: deep(150) },
    ];
    const { body } = await server.http.patch('/fhir/Patient/deepened').set('content-type', 'application/json-patch+json').send(JSON.stringify(operations)).expect(422);
    expect(body.issue[0].code).toBe('too-costly');
  });
});

describe('searches', () => {
  it('refuses a search giving more than 1000 values, in the query or a POST _search body, with 400', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => `a${i}`);
    await expectTooCostly(server.http.get(`/fhir/Patient?name=${many.slice(0, 600).join(',')}&family=${many.slice(600).join(',')}`));
    for (const form of [`name=${many.join(',')}`, many.map((value) => `identifier=s|${value}`).join('&'), `name=${Array.from({ length: 70_000 }, (_, i) => i).join(',')}`]) {
      await expectTooCostly(server.http.post('/fhir/Patient/_search').set('content-type', 'application/x-www-form-urlencoded').send(form));
    }
    const { body } = await server.http.get(`/fhir/Patient?name=${many.slice(0, 1000).join(',')}`).expect(200);
    expect(body.resourceType).toBe('Bundle');
  });
});

