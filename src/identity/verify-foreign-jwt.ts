import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { ForeignTokenError } from './foreign-token-error';
import type { Introspector, IntrospectorIndex } from './load-introspectors';

export interface VerifiedForeignJwt {
  claims: JWTPayload;
  introspector: Introspector;
}

export interface VerifyForeignJwtOptions {
  /** Leeway for exp/nbf between our clock and the issuer's (RFC 7519 §4.1.4 "MAY provide for some small leeway"). */
  clockToleranceSec: number;
  /** Only for the message: how long a key-set fetch may take. */
  timeoutMs: number;
}

/** jose's error → why we refuse, in words an operator can act on. */
function toForeignTokenError(error: unknown, introspector: Introspector, header: JWTHeaderParameters, options: VerifyForeignJwtOptions): ForeignTokenError {
  const iss = introspector.resource.jwt?.iss;
  if (error instanceof errors.JWTExpired) return new ForeignTokenError('expired', 'token expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    return error.claim === 'nbf' ? new ForeignTokenError('not-yet-valid', 'token is not yet valid (nbf)') : new ForeignTokenError('malformed', `token claim ${error.claim} is invalid`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new ForeignTokenError('algorithm-not-allowed', `token algorithm ${header.alg} is not allowed for issuer ${iss}`);
  if (error instanceof errors.JWSSignatureVerificationFailed) return new ForeignTokenError('invalid-signature', 'token signature is invalid');
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new ForeignTokenError('invalid-signature', `token signature is invalid: no key of issuer ${iss} matches kid ${header.kid ?? '(none)'}`);
  }
  if (error instanceof errors.JWKSTimeout) {
    return new ForeignTokenError('provider-unavailable', `identity provider keys could not be fetched within ${options.timeoutMs / 1000} s`);
  }
  if (error instanceof errors.JWKSInvalid || !(error instanceof errors.JOSEError)) {
    // fetch() failing (connection refused, DNS, non-200) is not a JOSEError.
    return new ForeignTokenError('provider-unavailable', `identity provider keys could not be fetched from ${introspector.resource.jwks_uri}`);
  }
  return new ForeignTokenError('malformed', `token is not a valid JWT (${error.code})`);
}

/**
 * A JWT from another issuer, RFC 7519 §7.2: the introspector whose `jwt.iss` equals the token's
 * (still unverified) `iss` supplies the keys, and the key decides the algorithm — the token's own
 * `alg` header only selects among what that key allows (RFC 8725 §3.1), so `none` and HMAC with a
 * public key never verify. Returns the verified claims; throws ForeignTokenError.
 */
export async function verifyForeignJwt(index: IntrospectorIndex, token: string, options: VerifyForeignJwtOptions): Promise<VerifiedForeignJwt> {
  let iss: unknown;
  let header: JWTHeaderParameters;
  try {
    header = decodeProtectedHeader(token) as JWTHeaderParameters;
    iss = decodeJwt(token).iss;
  } catch {
    throw new ForeignTokenError('malformed', 'token is not a well-formed JWT');
  }
  if (typeof iss !== 'string') throw new ForeignTokenError('malformed', 'token has no iss claim');
  const introspector = index.byIssuer.get(iss);
  if (!introspector) throw new ForeignTokenError('untrusted-issuer', `no TokenIntrospector trusts issuer ${iss}`);
  if (introspector.problem || !introspector.keys) {
    throw new ForeignTokenError('misconfigured', `TokenIntrospector ${introspector.id} ${introspector.problem ?? 'has no keys'}`);
  }

  const candidates = introspector.keys.candidatesFor(header);
  if (!candidates.length) throw new ForeignTokenError('algorithm-not-allowed', `token algorithm ${header.alg} is not allowed for issuer ${iss}`);
  let failure: unknown;
  for (const { key, algorithms } of candidates) {
    try {
      const { payload } = await jwtVerify(token, key as never, { algorithms, issuer: iss, clockTolerance: options.clockToleranceSec });
      return { claims: payload, introspector };
    } catch (error) {
      failure = error;
      // Several configured keys of one algorithm: only a bad signature means "try the next one".
      if (!(error instanceof errors.JWSSignatureVerificationFailed)) break;
    }
  }
  throw toForeignTokenError(failure, introspector, header, options);
}
