import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { startTestServer, type TestServer } from '../support/test-server';
import { eventually } from './eventually';
import { startIdentityProvider, type IdentityProvider } from './start-identity-provider';

/**
 * The "Auto-create users from foreign tokens" tutorial (reference 003), end to end: our server in
 * place of the product, node-oidc-provider on loopback in place of Keycloak. Every resource is PUT
 * as YAML on /fhir as the tutorial writes it; only the URLs point at the loopback provider.
 */
let server: TestServer;
let keycloak: IdentityProvider;
const now = () => Math.floor(Date.now() / 1000);
const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function putYaml(path: string, yaml: string): Promise<void> {
  const response = await server.http.put(path).set('content-type', 'text/yaml').send(yaml);
  if (response.status >= 300) throw new Error(`PUT ${path}: ${response.status} ${JSON.stringify(response.body)}`);
}

const withToken = (token: string, path = '/fhir/Patient') => server.anonymous.get(path).set('authorization', `Bearer ${token}`);

async function usersWith(system: string, value: string): Promise<Array<Record<string, unknown>>> {
  const response = await server.http.get('/fhir/User').expect(200);
  const entries = (response.body.entry ?? []) as Array<{ resource: Record<string, unknown> }>;
  return entries.map((entry) => entry.resource).filter((user) => (user.identifier as Array<{ system: string; value: string }> | undefined)?.some((id) => id.system === system && id.value === value));
}

function sign(claims: Record<string, unknown>, key: CryptoKey | Uint8Array, header: { alg: string; kid?: string }) {
  return new SignJWT({ iat: now(), exp: now() + 300, ...claims }).setProtectedHeader(header).sign(key);
}

/** The tutorial's IdentityProvider, with the userinfo URL given; PUT again to point it elsewhere. */
const identityProviderYaml = (userinfo: string) => `
id: keycloak
scopes:
  - profile
  - openid
system: keycloak
userinfo_endpoint: ${userinfo}
userinfo-source: userinfo-endpoint
resourceType: IdentityProvider
title: Keycloak
active: true
`;

beforeAll(async () => {
  server = await startTestServer({ BOX_SECURITY_INTROSPECTION_CREATE_USER: 'true' });
  keycloak = await startIdentityProvider();
  // What Keycloak puts in a service account's token (the tutorial's "Example JWT").
  Object.assign(keycloak.serviceClaims, { typ: 'Bearer', azp: 'lockbox-service', preferred_username: 'service-account-my-client', email_verified: false });

  // 1. Create IdentityProvider
  await putYaml('/fhir/IdentityProvider/keycloak', identityProviderYaml(keycloak.userinfoUrl));
  // 2. Create TokenIntrospector
  await putYaml('/fhir/TokenIntrospector/keycloak-jwt-introspector', `
resourceType: TokenIntrospector
type: jwt
jwt:
  iss: ${keycloak.issuer}
jwks_uri: ${keycloak.jwksUri}
identity_provider:
  reference: IdentityProvider/keycloak
`);
  // 3. Create AccessPolicy
  await putYaml('/fhir/AccessPolicy/keycloak-users-policy', `
resourceType: AccessPolicy
engine: matcho
matcho:
  jwt:
    iss: ${keycloak.issuer}
`);
});

afterAll(async () => {
  await keycloak.stop();
  await server.close();
});

describe('the tutorial: auto-create users from foreign tokens', () => {
  it("accepts the provider's client_credentials JWT on GET /fhir/Patient and creates the User of the tutorial", async () => {
    const token = await keycloak.clientCredentials('jwt');
    const { sub } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { sub: string };

    await withToken(token).expect(200);

    const [user] = await usersWith('keycloak', sub);
    expect(user).toMatchObject({
      resourceType: 'User',
      identifier: [{ system: 'keycloak', value: sub }],
      data: { sub, email_verified: false, preferred_username: 'service-account-my-client' },
    });
    expect(typeof user.id).toBe('string');
    // Token mechanics are not user data.
    expect(Object.keys(user.data as object).sort()).toEqual(['email_verified', 'preferred_username', 'sub']);
  });

  it('finds the same User on later requests, with a new token too', async () => {
    await withToken(await keycloak.clientCredentials('jwt')).expect(200);
    await withToken(await keycloak.clientCredentials('jwt')).expect(200);
    expect(await usersWith('keycloak', 'lockbox-service')).toHaveLength(1);
  });

  it("asks the userinfo endpoint, which refuses a token with no end-user (unlike Keycloak): the verified token's claims are used, with one warning", async () => {
    const asked = keycloak.requests('GET /me');
    await withToken(await keycloak.clientCredentials('jwt')).expect(200);
    expect(keycloak.requests('GET /me')).toBeGreaterThan(asked);
    const warnings = server.logs.filter((line) => line.includes('userinfo endpoint refused a verified token'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0])).toMatchObject({ level: 'warn', system: 'keycloak' });
  });

  it('refuses the request, creating no User, when the userinfo endpoint cannot be reached (no answer is not a refusal)', async () => {
    await putYaml('/fhir/IdentityProvider/keycloak', identityProviderYaml('http://127.0.0.1:9/userinfo'));
    try {
      // The change reaches the verifier by NOTIFY: wait for it with throwaway subjects.
      let probes = 0;
      await eventually(async () => {
        const probe = await sign({ iss: keycloak.issuer, sub: `probe-${probes++}` }, keycloak.privateKey, { alg: 'RS256', kid: keycloak.kid });
        return (await withToken(probe)).status === 401 ? true : undefined;
      });
      const token = await sign({ iss: keycloak.issuer, sub: 'unreachable-userinfo' }, keycloak.privateKey, { alg: 'RS256', kid: keycloak.kid });
      const started = Date.now();
      const response = await withToken(token);
      expect(response.status).toBe(401);
      expect(Date.now() - started).toBeLessThan(3500);
      expect(response.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [expect.objectContaining({ diagnostics: expect.stringContaining('userinfo at http://127.0.0.1:9/userinfo failed') })] });
      expect(await usersWith('keycloak', 'unreachable-userinfo')).toHaveLength(0);
    } finally {
      await putYaml('/fhir/IdentityProvider/keycloak', identityProviderYaml(keycloak.userinfoUrl));
    }
    // Back to the provider's explicit refusal: the token's claims again.
    const again = await sign({ iss: keycloak.issuer, sub: 'reachable-again' }, keycloak.privateKey, { alg: 'RS256', kid: keycloak.kid });
    await eventually(async () => ((await withToken(again)).status === 200 ? true : undefined));
    expect(await usersWith('keycloak', 'reachable-again')).toHaveLength(1);
  });
});

describe('bad tokens are refused with 401 and an OperationOutcome through the whole pipeline', () => {
  async function expectRefused(token: string): Promise<void> {
    const response = await withToken(token);
    expect(response.status).toBe(401);
    expect(response.body).toMatchObject({ resourceType: 'OperationOutcome', issue: [expect.objectContaining({ severity: 'error' })] });
    expect(response.headers['www-authenticate']).toMatch(/^Bearer /);
  }

  it('an expired token', async () => {
    await expectRefused(await sign({ iss: keycloak.issuer, sub: 'late', exp: now() - 600 }, keycloak.privateKey, { alg: 'RS256', kid: keycloak.kid }));
  });

  it('a token from an issuer no TokenIntrospector trusts', async () => {
    await expectRefused(await sign({ iss: 'https://elsewhere.example', sub: 'x' }, keycloak.privateKey, { alg: 'RS256', kid: keycloak.kid }));
  });

  it('an unsecured token (alg: none)', async () => {
    await expectRefused(`${b64({ alg: 'none', kid: keycloak.kid })}.${b64({ iss: keycloak.issuer, sub: 'x', exp: now() + 300 })}.`);
  });

  it("an HS256 token whose HMAC secret is the provider's public key", async () => {
    await expectRefused(await sign({ iss: keycloak.issuer, sub: 'x' }, new TextEncoder().encode(keycloak.publicKeyPem), { alg: 'HS256', kid: keycloak.kid }));
  });

  it('a token signed by a key the provider never published (unknown kid)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    await expectRefused(await sign({ iss: keycloak.issuer, sub: 'x' }, privateKey, { alg: 'RS256', kid: 'not-published' }));
  });

  it("a token signed by another key under the provider's kid", async () => {
    const { privateKey } = await generateKeyPair('RS256');
    await expectRefused(await sign({ iss: keycloak.issuer, sub: 'x' }, privateKey, { alg: 'RS256', kid: keycloak.kid }));
  });

  it('and none of them created a User', async () => {
    expect(await usersWith('keycloak', 'late')).toHaveLength(0);
    expect(await usersWith('keycloak', 'x')).toHaveLength(0);
  });
});

describe('a provider stopped mid-test', () => {
  it('does not take our server down: health stays up, known keys keep working, the rest is refused quickly, never 500', async () => {
    const leaving = await startIdentityProvider();
    Object.assign(leaving.serviceClaims, { preferred_username: 'service-account-leaving', email_verified: false });
    await putYaml('/fhir/IdentityProvider/leaving', `
resourceType: IdentityProvider
system: leaving
userinfo-source: id-token
active: true
`);
    await putYaml('/fhir/TokenIntrospector/leaving-jwt', `
resourceType: TokenIntrospector
type: jwt
jwt:
  iss: ${leaving.issuer}
jwks_uri: ${leaving.jwksUri}
identity_provider:
  reference: IdentityProvider/leaving
`);
    await putYaml('/fhir/AccessPolicy/leaving-users-policy', `
resourceType: AccessPolicy
engine: matcho
matcho:
  jwt:
    iss: ${leaving.issuer}
`);
    const before = await leaving.clientCredentials('jwt');
    await eventually(async () => ((await withToken(before)).status === 200 ? true : undefined));
    const later = await sign({ iss: leaving.issuer, sub: 'signed-before-the-outage' }, leaving.privateKey, { alg: 'RS256', kid: leaving.kid });
    const { privateKey } = await generateKeyPair('RS256');
    const rotated = await sign({ iss: leaving.issuer, sub: 'x' }, privateKey, { alg: 'RS256', kid: 'rotated-during-outage' });

    await leaving.stop();

    await server.anonymous.get('/health').expect(200);
    const timed = async (token: string) => {
      const started = Date.now();
      const response = await withToken(token);
      expect(Date.now() - started).toBeLessThan(3500);
      return response.status;
    };
    expect(await timed(before)).toBe(200);
    expect(await timed(later)).toBe(200);
    expect(await timed(rotated)).toBe(401);
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => timed(rotated)));
    expect(concurrent.every((status) => status === 401)).toBe(true);
    await server.anonymous.get('/health').expect(200);
    // Our own clients are unaffected.
    await server.http.get('/fhir/Patient').expect(200);
  });
});
