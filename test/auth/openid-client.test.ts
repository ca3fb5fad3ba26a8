import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { createClient, createUser } from '../support/auth-factories';
import { startTestServer, type TestServer } from '../support/test-server';

/** openid-client v6 as the real client: every call goes over HTTP to a listening server. */
let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({}, { listen: true });
});
afterAll(async () => {
  await server.close();
});

async function discover(client: { id: string; secret: string }): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(server.url), client.id, undefined, oidc.ClientSecretBasic(client.secret), { execute: [oidc.allowInsecureRequests] });
}

describe('openid-client', () => {
  it('discovers the server: issuer, endpoints and only implemented grants', async () => {
    const config = await discover(await createClient(server));
    const metadata = config.serverMetadata();
    expect(metadata.issuer).toBe(server.url);
    expect(metadata.token_endpoint).toBe(`${server.url}/auth/token`);
    expect(metadata.jwks_uri).toBe(`${server.url}/.well-known/jwks.json`);
    expect(metadata.grant_types_supported).toEqual(['authorization_code', 'client_credentials', 'password', 'refresh_token', 'urn:ietf:params:oauth:grant-type:token-exchange', 'implicit']);
    expect(metadata.authorization_endpoint).toBe(`${server.url}/auth/authorize`);
    const rfc8414 = await fetch(`${server.url}/.well-known/oauth-authorization-server`).then((r) => r.json());
    expect(rfc8414).toEqual(JSON.parse(JSON.stringify(metadata)));
  });

  it('gets an opaque client_credentials token and reads with it', async () => {
    const client = await createClient(server, { id: 'cc-opaque' });
    const tokens = await oidc.clientCredentialsGrant(await discover(client), { scope: 'system/*.read' });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.access_token.split('.')).toHaveLength(1);
    // Root's own token has full access until AccessPolicy lands.
    const root = await oidc.clientCredentialsGrant(await discover({ id: 'root', secret: (await import('../support/test-server')).ROOT_SECRET }));
    const read = await fetch(`${server.url}/Client/cc-opaque`, { headers: { authorization: `Bearer ${root.access_token}` } });
    expect(read.status).toBe(200);
  });

  it('gets a JWT client_credentials token that verifies against our JWKS', async () => {
    const client = await createClient(server, { auth: { client_credentials: { token_format: 'jwt', access_token_expiration: 300 } } });
    const tokens = await oidc.clientCredentialsGrant(await discover(client));
    expect(tokens.expires_in).toBe(300);
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)), { issuer: server.url });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ sub: client.id, client_id: client.id });
    expect(typeof payload.sid).toBe('string');
  });

  it('runs password → id_token → userinfo → refresh (rotation) → reuse detection', async () => {
    const client = await createClient(server, { grant_types: ['password'], auth: { password: { refresh_token: true, token_format: 'jwt', access_token_expiration: 600 } } });
    const user = await createUser(server, { email: 'oidc.user@example.org' });
    const config = await discover(client);
    oidc.enableNonRepudiationChecks(config);
    const tokens = await oidc.genericGrantRequest(config, 'password', { username: user.userName, password: user.password, scope: 'openid email' });
    const idClaims = tokens.claims()!;
    expect(idClaims).toMatchObject({ iss: server.url, sub: user.id, aud: client.id, email: 'oidc.user@example.org' });
    const { payload } = await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(`${server.url}/.well-known/jwks.json`)), { issuer: server.url, audience: client.id });
    expect(payload.sub).toBe(user.id);

    const info = await oidc.fetchUserInfo(config, tokens.access_token, user.id);
    // A token granted openid gets the standard claims of its scopes, not the User resource.
    expect(info).toEqual({ sub: user.id, email: 'oidc.user@example.org', email_verified: false });
    expect(info.password).toBeUndefined();

    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.claims()?.sub).toBe(user.id);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The replay revoked the session: the newest refresh token and access token are dead too.
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await oidc.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);
  });

  it('introspects and revokes', async () => {
    const client = await createClient(server, { grant_types: ['password'], auth: { password: { refresh_token: true } } });
    const user = await createUser(server);
    const config = await discover(client);
    const tokens = await oidc.genericGrantRequest(config, 'password', { username: user.userName, password: user.password });
    const live = await oidc.tokenIntrospection(config, tokens.access_token);
    expect(live).toMatchObject({ active: true, client_id: client.id, sub: user.id, username: user.userName });
    await oidc.tokenRevocation(config, tokens.refresh_token!);
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    expect((await oidc.tokenIntrospection(config, tokens.refresh_token!)).active).toBe(false);
    await expect(oidc.fetchUserInfo(config, tokens.access_token, user.id)).rejects.toBeDefined();
  });
});
