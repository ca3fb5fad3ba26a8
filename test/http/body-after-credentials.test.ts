import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { answerBeforeBody as sendBeforeBody } from '../support/answer-before-body';
import { startTestServer, type TestServer } from '../support/test-server';

/**
 * A request whose caller no policy could admit is refused before its body is read: an anonymous
 * megabyte costs the server nothing but the 401.
 */
let server: TestServer;
let url: URL;

beforeAll(async () => {
  server = await startTestServer();
  url = new URL(await server.listen());
  // Anyone may file a Basic resource: a policy that reads the body, so those bodies are read.
  await server.http.put('/AccessPolicy/anyone-files-basic').send({ engine: 'matcho', matcho: { uri: '#^/fhir/Basic$', 'request-method': 'post', body: { resourceType: 'Basic' } } }).expect(201);
}, 60_000);
afterAll(async () => {
  await server.close();
});

const answerBeforeBody = (path: string, headers: Record<string, string>, length: number) => sendBeforeBody(url.toString(), 'POST', path, headers, length);

describe('a request without credentials', () => {
  it('is refused with 401 before its body is read, for JSON and YAML bodies alike', async () => {
    for (const type of ['application/fhir+json', 'text/yaml']) {
      const answer = await answerBeforeBody('/fhir/Patient', { 'content-type': type }, 6_500_000);
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'login' }] });
    }
  });

  it('is refused with 401 before its body is read on a transaction bundle and a POST _search as well', async () => {
    expect((await answerBeforeBody('/fhir', { 'content-type': 'application/fhir+json' }, 1_000_000)).status).toBe(401);
    expect((await answerBeforeBody('/fhir/Patient/_search', { 'content-type': 'application/x-www-form-urlencoded' }, 1_000_000)).status).toBe(401);
  });

  it('is admitted when a policy that reads the body allows it, and refused when that body does not match', async () => {
    await server.anonymous.post('/fhir/Basic').send({ resourceType: 'Basic', code: { text: 'note' } }).expect(201);
    const refused = await server.anonymous.post('/fhir/Basic').send({ resourceType: 'Patient' });
    expect(refused.status).toBe(401);
  });

  it('has its body read when a policy that could apply reads the body, and is refused after it', async () => {
    await server.http.put('/AccessPolicy/anyone-posts-small').send({ engine: 'json-schema', schema: { required: ['body'], properties: { body: { required: ['tiny'] } } } }).expect(201);
    try {
      await expect(answerBeforeBody('/fhir/Patient', { 'content-type': 'application/json' }, 1_000_000)).rejects.toThrow(/waited for the body/);
      expect((await server.anonymous.post('/fhir/Patient').send({ resourceType: 'Patient' })).status).toBe(401);
    } finally {
      await server.http.delete('/AccessPolicy/anyone-posts-small').expect(200);
    }
  });
});

describe('a request with bad credentials', () => {
  it('is refused with 401 before its body is read', async () => {
    const answer = await answerBeforeBody('/fhir/Patient', { 'content-type': 'application/json', authorization: 'Bearer not-a-token' }, 6_500_000);
    expect(answer.status).toBe(401);
  });
});
