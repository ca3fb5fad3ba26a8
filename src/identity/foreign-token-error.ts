import { HttpError } from '../errors/http-error';
import { bearerChallenge } from '../auth/bearer-challenge';

/** Why a foreign token was refused; stable, so tests and logs can tell the cases apart. */
export type ForeignTokenReason =
  | 'malformed'
  | 'untrusted-issuer'
  | 'misconfigured'
  | 'invalid-signature'
  | 'algorithm-not-allowed'
  | 'expired'
  | 'not-yet-valid'
  | 'inactive'
  | 'provider-unavailable'
  | 'userinfo-refused'
  | 'unknown-user';

/**
 * A bearer token from another issuer that we do not accept. Always 401 with an RFC 6750 §3
 * `invalid_token` challenge: to the caller, a bad foreign token is a bad token, whatever the cause.
 */
export class ForeignTokenError extends HttpError {
  constructor(
    readonly reason: ForeignTokenReason,
    message: string,
  ) {
    super(401, 'login', message, undefined, {
      'www-authenticate': bearerChallenge(message),
    });
    this.name = 'ForeignTokenError';
  }
}
