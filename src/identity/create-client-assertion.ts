import { createPrivateKey, randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import type { SignInProvider } from './load-identity-provider';
import { SignInError } from './sign-in-error';

/**
 * `private_key_jwt` client authentication (OIDC Core §9, RFC 7523 §2.2/§3): a short-lived JWT
 * signed with the client's private key, iss = sub = client id, aud = the token endpoint, and a
 * fresh jti so the provider can refuse a replay.
 */
export async function createClientAssertion(provider: SignInProvider): Promise<string> {
  const client = provider.resource.client ?? {};
  const pem = client['private-key'];
  if (!pem || !client.id || !provider.resource.token_endpoint) {
    throw new SignInError(500, 'misconfigured', `IdentityProvider ${provider.id} with client.auth-method asymmetric needs client.id and client.private-key`);
  }
  const type = createPrivateKey(pem).asymmetricKeyType;
  const alg = type === 'ec' ? 'ES256' : type === 'rsa' ? 'RS256' : undefined;
  if (!alg) throw new SignInError(500, 'misconfigured', `IdentityProvider ${provider.id}: client.private-key must be an RSA or P-256 key`);
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ jti: randomUUID() })
    .setProtectedHeader(provider.resource.kid ? { alg, kid: provider.resource.kid } : { alg })
    .setIssuer(client.id)
    .setSubject(client.id)
    .setAudience(provider.resource.token_endpoint)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(await importPKCS8(pem, alg));
}
