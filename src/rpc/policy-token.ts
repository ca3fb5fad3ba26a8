import { randomUUID } from 'node:crypto';
import type { PolicyTokenClaims } from '../access/policy-request';
import type { SigningKeys } from '../auth/signing-keys';
import { whyJwtIsInvalid } from '../auth/why-jwt-is-invalid';

/**
 * A policy token: an RS256 JWT signed with the server's own keys (the JWKS ones), granting the
 * calls it names — each method with exactly its params — until it expires. It is not an access
 * token and cannot become one: it has no `sid` (authenticateRequest refuses it), and our access
 * and id tokens have no `token_use` (a policy token is refused without it). `aud` is the rpc
 * endpoint, so no audience a client may ask for its access tokens is a policy token's.
 */
const TOKEN_USE = 'rpc-policy';

const audienceOf = (baseUrl: string) => `${baseUrl}/rpc`;

export interface PolicyTokenGrant extends PolicyTokenClaims {
  /** Seconds from now. */
  expiresIn: number;
  /** Who minted it (`User/admin`, `Client/root`), for whoever reads the token later. */
  minter?: string;
}

export async function mintPolicyToken(keys: SigningKeys, baseUrl: string, grant: PolicyTokenGrant): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return keys.sign({
    iss: baseUrl,
    aud: audienceOf(baseUrl),
    iat: now,
    exp: now + grant.expiresIn,
    jti: randomUUID(),
    token_use: TOKEN_USE,
    ...(grant.minter ? { sub: grant.minter } : {}),
    methods: grant.methods,
  });
}

/** The grant of a policy token this server signed and that is still valid, or why it is refused. */
export async function readPolicyToken(keys: SigningKeys, baseUrl: string, token: string): Promise<{ claims: PolicyTokenClaims } | { invalid: string }> {
  const claims = await keys.verify(token);
  if (!claims || claims.token_use !== TOKEN_USE) return { invalid: 'The policy token is not valid' };
  const invalid = whyJwtIsInvalid(claims, { issuer: baseUrl, audiences: [audienceOf(baseUrl)] });
  if (invalid) return { invalid: invalid.replace('The token', 'The policy token') };
  const methods = claims.methods;
  if (typeof methods !== 'object' || methods === null || Array.isArray(methods)) return { invalid: 'The policy token is not valid' };
  return { claims: { methods: methods as PolicyTokenClaims['methods'] } };
}
