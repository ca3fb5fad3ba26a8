import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createClient, requestToken } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';

/** Hashes never leave the server, whichever way a resource is read. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const HASH = /\$2[aby]\$|"password":|"secret":|"access_token":|"refresh_token":|[0-9a-f]{64}/;

describe('secrets and hashes', () => {
  it('are not in search results, _elements, or transaction responses', async () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        { resource: { resourceType: 'User', userName: 'in-bundle', password: 'bundle-password' }, request: { method: 'POST', url: 'User' } },
        { resource: { resourceType: 'Client', secret: 'bundle-secret', grant_types: ['client_credentials'] }, request: { method: 'PUT', url: 'Client/in-bundle' } },
      ],
    };
    const transaction = await server.http.post('/fhir').send(bundle).expect(200);
    expect(JSON.stringify(transaction.body)).not.toMatch(HASH);
    await requestToken(server, { grant_type: 'client_credentials' }, { id: 'in-bundle', secret: 'bundle-secret' }).expect(200);

    for (const path of ['/User?userName=in-bundle', '/fhir/User?_elements=password,userName', '/User?_elements=password', '/Client', '/fhir/Client?_id=in-bundle', '/Session', '/fhir/Session?_count=50']) {
      const response = await server.http.get(path).expect(200);
      expect(response.body.resourceType).toBe('Bundle');
      expect(JSON.stringify(response.body)).not.toMatch(HASH);
    }
    const read = await server.http.get('/fhir/User?userName=in-bundle').expect(200);
    expect(read.body.entry.length).toBeGreaterThan(0);
  });

  it('are not in Session history after a refresh rotated them', async () => {
    const client = await createClient(server, { grant_types: ['password'], auth: { password: { refresh_token: true } } });
    await server.http.put('/User/rotating').send({ userName: 'rotating', password: 'rotating-password' }).expect(201);
    const { body } = await requestToken(server, { grant_type: 'password', username: 'rotating', password: 'rotating-password' }, client).expect(200);
    await requestToken(server, { grant_type: 'refresh_token', refresh_token: body.refresh_token }, client).expect(200);
    const history = await server.http.get('/Session/_history').expect(200);
    expect(history.body.entry.length).toBeGreaterThan(1);
    expect(JSON.stringify(history.body).match(HASH)?.[0]).toBeUndefined();
  });
});
