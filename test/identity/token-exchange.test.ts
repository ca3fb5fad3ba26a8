import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { decodeJwt, exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { createClient, requestToken } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';
import { putResource } from './put-resource';
import { startIdentityProvider, type IdentityProvider } from './start-identity-provider';

/** RFC 8693 token exchange at /auth/token: a trusted provider's token becomes ours for the same local User. */
let server: TestServer;
let idp: IdentityProvider;
let client: { id: string; secret: string };
let stranger: { privateKey: CryptoKey; iss: string };

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
const JWT = 'urn:ietf:params:oauth:token-type:jwt';
const now = () => Math.floor(Date.now() / 1000);

const exchange = (subjectToken: string, extra: Record<string, string> = {}, as: { id: string; secret: string } = client) =>
  requestToken(server, { grant_type: TOKEN_EXCHANGE, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN, ...extra }, as);

async function usersWith(system: string, value: string): Promise<Array<{ id: string }>> {
  return server.sql(`select id from "user" where resource->'identifier' @> $1::jsonb`, [JSON.stringify([{ system, value }])]);
}

beforeAll(async () => {
  server = await startTestServer({ BOX_SECURITY_INTROSPECTION_CREATE_USER: 'true' });
  idp = await startIdentityProvider();
  Object.assign(idp.serviceClaims, { preferred_username: 'service-account-lockbox-service', email_verified: false });
  await putResource(server, 'IdentityProvider', 'provider', { system: 'provider', 'userinfo-source': 'id-token', active: true });
  await putResource(server, 'TokenIntrospector', 'provider-jwt', { type: 'jwt', jwt: { iss: idp.issuer }, jwks_uri: idp.jwksUri, identity_provider: { reference: 'IdentityProvider/provider' } });
  await putResource(server, 'TokenIntrospector', 'provider-opaque', {
    type: 'opaque',
    introspection_endpoint: { url: idp.introspectionUrl, authorization: idp.introspectionAuthorization },
    identity_provider: { reference: 'IdentityProvider/provider' },
  });
  // A trusted issuer whose tokens map to no local User (no identity_provider).
  const keys = await generateKeyPair('RS256');
  stranger = { privateKey: keys.privateKey, iss: 'https://no-users.example' };
  await putResource(server, 'TokenIntrospector', 'no-users', { type: 'jwt', jwt: { iss: stranger.iss, keys: [{ kty: 'RSA', alg: 'RS256', format: 'PEM', pub: await exportSPKI(keys.publicKey) }] } });
  client = await createClient(server, {
    grant_types: [TOKEN_EXCHANGE],
    allowedIssuers: [idp.issuer, stranger.iss],
    auth: { token_exchange: { token_format: 'jwt', access_token_expiration: 600, refresh_token: true } },
  });
});

afterAll(async () => {
  await idp.stop();
  await server.close();
});

describe('token exchange (RFC 8693)', () => {
  it("exchanges the provider's JWT for our JWT for the same local User, in a token-exchange Session", async () => {
    const response = await exchange(await idp.clientCredentials('jwt'));
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.body).toMatchObject({ token_type: 'Bearer', issued_token_type: ACCESS_TOKEN, expires_in: 600, refresh_token: expect.any(String) });

    const [user] = await usersWith('provider', 'lockbox-service');
    const claims = decodeJwt(response.body.access_token);
    expect(claims).toMatchObject({ iss: server.services.config.baseUrl, sub: user.id, client_id: client.id });
    const [session] = await server.sql<{ resource: Record<string, unknown> }>('select resource from session where id = $1', [claims.sid]);
    expect(session.resource).toMatchObject({ type: 'token-exchange', user: { id: user.id }, client: { id: client.id } });

    // Our token now speaks for that User.
    const me = await server.anonymous.get('/auth/userinfo').set('authorization', `Bearer ${response.body.access_token}`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ sub: user.id, identifier: [{ system: 'provider', value: 'lockbox-service' }] });
  });

  it('accepts subject_token_type jwt, and issues a jwt when asked and the client issues JWTs', async () => {
    const response = await exchange(await idp.clientCredentials('jwt'), { subject_token_type: JWT, requested_token_type: JWT });
    expect(response.status).toBe(200);
    expect(response.body.issued_token_type).toBe(JWT);
  });

  it("exchanges a signed-in person's opaque token, checked by RFC 7662 introspection", async () => {
    const response = await exchange(await idp.signIn('olivia'));
    expect(response.status).toBe(200);
    const [user] = await usersWith('provider', 'olivia');
    expect(decodeJwt(response.body.access_token).sub).toBe(user.id);
  });

  it("refuses an opaque token the introspection answers for with no subject (a client's own token): no User to speak for", async () => {
    const response = await exchange(await idp.clientCredentials('opaque'));
    expect(response.body).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('no local User') });
  });

  it('refreshes an exchanged token with the token_exchange settings', async () => {
    const first = await exchange(await idp.clientCredentials('jwt'));
    const refreshed = await requestToken(server, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token }, client);
    expect(refreshed.status).toBe(200);
    expect(refreshed.body).toMatchObject({ expires_in: 600, refresh_token: expect.any(String) });
    expect(decodeJwt(refreshed.body.access_token).sub).toBe(decodeJwt(first.body.access_token).sub);
  });

  it('uses the client\'s own token_exchange settings: an opaque token without refresh when nothing is set', async () => {
    const plain = await createClient(server, { grant_types: [TOKEN_EXCHANGE], allowedIssuers: [idp.issuer] });
    const response = await exchange(await idp.clientCredentials('jwt'), {}, plain);
    expect(response.status).toBe(200);
    expect(response.body.access_token.split('.')).toHaveLength(1);
    expect(response.body.refresh_token).toBeUndefined();
    // And requesting a JWT from a client that does not issue them is refused.
    expect((await exchange(await idp.clientCredentials('jwt'), { requested_token_type: JWT }, plain)).body.error).toBe('invalid_request');
  });
});

describe('token exchange refusals (RFC 8693 §2.2.2, RFC 6749 §5.2)', () => {
  const refusal = async (promise: PromiseLike<{ status: number; body: { error?: string } }>) => {
    const response = await promise;
    return { status: response.status, error: response.body.error };
  };

  it('invalid_request for a subject token from an issuer the client does not list, without asking its provider', async () => {
    const narrow = await createClient(server, { grant_types: [TOKEN_EXCHANGE], allowedIssuers: ['https://someone-else.example'] });
    const token = await idp.clientCredentials('jwt');
    const before = idp.requests('GET /jwks');
    expect(await refusal(exchange(token, {}, narrow))).toEqual({ status: 400, error: 'invalid_request' });
    expect(idp.requests('GET /jwks')).toBe(before);
  });

  it('invalid_request for a subject token that fails verification (forged, expired, alg none)', async () => {
    const forger = await generateKeyPair('RS256');
    const forged = await new SignJWT({ iss: idp.issuer, sub: 'x', exp: now() + 300 }).setProtectedHeader({ alg: 'RS256', kid: idp.kid }).sign(forger.privateKey);
    const expired = await new SignJWT({ iss: idp.issuer, sub: 'x', exp: now() - 600 }).setProtectedHeader({ alg: 'RS256', kid: idp.kid }).sign(idp.privateKey);
    const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const unsecured = `${b64({ alg: 'none' })}.${b64({ iss: idp.issuer, sub: 'x', exp: now() + 300 })}.`;
    for (const token of [forged, expired, unsecured]) expect(await refusal(exchange(token))).toEqual({ status: 400, error: 'invalid_request' });
    expect(await refusal(exchange('an-opaque-token-nobody-issued'))).toEqual({ status: 400, error: 'invalid_request' });
    expect(await usersWith('provider', 'x')).toHaveLength(0);
  });

  it('invalid_request for a valid token that names no local User', async () => {
    const token = await new SignJWT({ iss: stranger.iss, sub: 'nobody', exp: now() + 300 }).setProtectedHeader({ alg: 'RS256' }).sign(stranger.privateKey);
    const response = await exchange(token);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_request', error_description: expect.stringContaining('no local User') });
  });

  it('invalid_request for missing or unsupported parameters, and for delegation (actor_token)', async () => {
    const token = await idp.clientCredentials('jwt');
    expect(await refusal(requestToken(server, { grant_type: TOKEN_EXCHANGE, subject_token_type: ACCESS_TOKEN }, client))).toEqual({ status: 400, error: 'invalid_request' });
    expect(await refusal(requestToken(server, { grant_type: TOKEN_EXCHANGE, subject_token: token }, client))).toEqual({ status: 400, error: 'invalid_request' });
    expect(await refusal(exchange(token, { subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' }))).toEqual({ status: 400, error: 'invalid_request' });
    expect(await refusal(exchange('opaque-value', { subject_token_type: JWT }))).toEqual({ status: 400, error: 'invalid_request' });
    expect(await refusal(exchange(token, { requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' }))).toEqual({ status: 400, error: 'invalid_request' });
    expect(await refusal(exchange(token, { actor_token: token, actor_token_type: ACCESS_TOKEN }))).toEqual({ status: 400, error: 'invalid_request' });
  });

  it('unauthorized_client for a client whose grant_types do not include token exchange', async () => {
    const other = await createClient(server, { grant_types: ['client_credentials'], allowedIssuers: [idp.issuer] });
    expect(await refusal(exchange(await idp.clientCredentials('jwt'), {}, other))).toEqual({ status: 400, error: 'unauthorized_client' });
  });

  it('invalid_client for a wrong secret, or no client authentication at all', async () => {
    const token = await idp.clientCredentials('jwt');
    expect(await refusal(exchange(token, {}, { id: client.id, secret: 'wrong' }))).toEqual({ status: 401, error: 'invalid_client' });
    const anonymous = server.anonymous.post('/auth/token').type('form').send({ grant_type: TOKEN_EXCHANGE, client_id: client.id, subject_token: token, subject_token_type: ACCESS_TOKEN });
    expect(await refusal(anonymous)).toEqual({ status: 401, error: 'invalid_client' });
  });
});
