import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GRANTS } from '../../src/oauth/grant-registry';
import { startTestServer, type TestServer } from '../support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('the grant registry', () => {
  it('is what both discovery documents list as grant_types_supported, exactly', async () => {
    const registered = GRANTS.map((grant) => grant.type);
    expect(registered).toEqual(['authorization_code', 'client_credentials', 'password', 'refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange']);
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const { body } = await server.anonymous.get(path).expect(200);
      // implicit is listed too: the authorization endpoint serves it, not the token endpoint.
      expect(body.grant_types_supported).toEqual([...registered, 'implicit']);
    }
  });

  it('is what the token endpoint serves: every listed grant reaches client authentication, any other is unsupported_grant_type', async () => {
    const { body } = await server.anonymous.get('/.well-known/openid-configuration').expect(200);
    for (const type of (body.grant_types_supported as string[]).filter((type) => type !== 'implicit')) {
      const response = await server.anonymous.post('/auth/token').type('form').send({ grant_type: type, client_id: 'no-such-client' });
      expect({ type, status: response.status, error: response.body.error }).toEqual({ type, status: 401, error: 'invalid_client' });
    }
    for (const type of ['implicit', 'urn:ietf:params:oauth:grant-type:device_code', 'toString', '__proto__']) {
      const response = await server.anonymous.post('/auth/token').type('form').send({ grant_type: type, client_id: 'no-such-client' });
      expect({ type, status: response.status, error: response.body.error }).toEqual({ type, status: 400, error: 'unsupported_grant_type' });
    }
  });
});
