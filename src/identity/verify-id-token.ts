import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { ASYMMETRIC_ALGORITHMS } from './compile-jwt-keys';
import type { SignInProvider } from './load-identity-provider';
import { SignInError } from './sign-in-error';

type RemoteKeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * ID Token validation, OIDC Core §3.1.3.7: signature with the provider's published keys, `iss`
 * equal to the provider's issuer (its `base_url`), our client id in `aud` (and as `azp` when there
 * are several audiences), `exp`, and the `nonce` we sent.
 */
export async function verifyIdToken(
  provider: SignInProvider,
  idToken: string,
  nonce: string,
  options: { remoteSets: Map<string, RemoteKeySet>; timeoutMs: number; clockToleranceSec: number },
): Promise<JWTPayload> {
  const { jwks_uri: jwksUri, base_url: issuer, client = {} } = provider.resource;
  if (!jwksUri || !issuer || !client.id) throw new SignInError(500, 'misconfigured', `IdentityProvider ${provider.id} needs jwks_uri, base_url (its issuer) and client.id`);
  let keys = options.remoteSets.get(jwksUri);
  if (!keys) options.remoteSets.set(jwksUri, (keys = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: options.timeoutMs })));

  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(idToken, keys, {
      issuer,
      audience: client.id,
      algorithms: ASYMMETRIC_ALGORITHMS,
      clockTolerance: options.clockToleranceSec,
      requiredClaims: ['sub', 'exp', 'iat'],
    }));
  } catch (error) {
    throw new SignInError(401, 'id-token', `the id_token is not valid: ${describe(error)}`);
  }
  if (claims.nonce !== nonce) throw new SignInError(401, 'id-token', 'the id_token is not valid: its nonce is not the one this sign-in sent');
  if (Array.isArray(claims.aud) && claims.aud.length > 1 && claims.azp !== client.id) throw new SignInError(401, 'id-token', 'the id_token is not valid: azp is not our client');
  return claims;
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `its ${error.claim} claim is wrong (${error.reason})`;
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) return 'its signature does not verify with the provider’s keys';
  if (error instanceof errors.JWKSTimeout) return 'the provider’s keys could not be fetched in time';
  if (error instanceof errors.JOSEError) return error.message;
  return `the provider’s keys could not be fetched (${(error as Error).message})`;
}
