import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { Services } from '../interactions/interaction-context';
import { invalidClient } from './oauth-error';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * Asymmetric algorithms only. RFC 7523 allows HMAC, but a client_secret_jwt signed with the
 * secret's hash we store would let anyone with a database read sign in as the client; `none`
 * is never an authentication (RFC 8725 §3.1, §3.2).
 */
export const ASSERTION_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'ES256', 'ES384'];

/** OIDC Core §9 / RFC 7523 §3 item 4: an assertion is a one-off; one that lives longer than this is refused. */
const MAX_LIFETIME_SECONDS = 300;
const CLOCK_TOLERANCE_SECONDS = 30;
/** A jti is kept in an index, whose entries hold about 2,700 bytes; RFC 7519 §4.1.7 makes it a string. */
const MAX_JTI_LENGTH = 256;

const refuse = (description: string) => invalidClient(`Client authentication failed: ${description}`, false);

/** Why jose refused, in words a client developer can act on — only after the signature is known good. */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the client assertion has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `the client assertion's ${error.claim} claim is wrong (${error.reason})`;
  return 'the client assertion could not be verified';
}

/**
 * The jti is claimed in the database before the assertion is accepted: of two requests with one
 * assertion, to any process, exactly one wins. Rows outlive the assertion by the clock tolerance
 * and are swept as new ones arrive.
 */
async function claimJti(services: Services, clientId: string, jti: string, exp: number): Promise<boolean> {
  const { rowCount } = await services.db.query(
    `with swept as (delete from client_assertion_jti where expires_at < now() - make_interval(secs => $4))
     insert into client_assertion_jti (client_id, jti, expires_at) values ($1, $2, to_timestamp($3) + make_interval(secs => $4))
     on conflict do nothing`,
    [clientId, jti, exp, CLOCK_TOLERANCE_SECONDS],
  );
  return rowCount === 1;
}

/**
 * private_key_jwt (RFC 7523 §2.2 and §3, OIDC Core §9): the assertion is signed by one of the
 * client's registered keys with an asymmetric algorithm the key allows; iss = sub = the client;
 * aud names us (the token endpoint URL, or the issuer: RFC 7523 §3 item 3); exp is present and
 * near; the jti is new. Throws invalid_client.
 */
export async function checkClientAssertion(services: Services, client: { id: string; resource: Record<string, unknown> }, assertion: string): Promise<void> {
  const keys = services.auth.clientKeys.of(client);
  if (!keys) throw refuse('the client has no registered keys (jwks or jwks_uri)');
  let alg: string | undefined;
  try {
    alg = decodeProtectedHeader(assertion).alg;
  } catch {
    throw refuse('the client assertion is not a JWT');
  }
  if (!alg || !ASSERTION_ALGORITHMS.includes(alg)) throw refuse(`the client assertion's algorithm ${alg ?? '(none)'} is not accepted`);

  const issuer = services.config.baseUrl;
  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(assertion, keys, {
      algorithms: ASSERTION_ALGORITHMS,
      issuer: client.id,
      subject: client.id,
      audience: [`${issuer}/auth/token`, issuer],
      requiredClaims: ['exp', 'jti'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }));
  } catch (error) {
    throw refuse(describe(error));
  }
  const now = Math.floor(Date.now() / 1000);
  if (claims.exp! - now > MAX_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS) throw refuse(`the client assertion must expire within ${MAX_LIFETIME_SECONDS} s`);
  const { jti } = claims;
  if (typeof jti !== 'string' || [...jti].length > MAX_JTI_LENGTH) throw refuse(`the client assertion's jti must be a string of at most ${MAX_JTI_LENGTH} characters`);
  if (!(await claimJti(services, client.id, jti, claims.exp!))) throw refuse('the client assertion was already used (jti)');
}
