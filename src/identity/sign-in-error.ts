import { HttpError } from '../errors/http-error';

export type SignInReason = 'bad-request' | 'unknown-provider' | 'misconfigured' | 'state' | 'provider-error' | 'token-exchange' | 'id-token' | 'provider-unavailable';

/**
 * A sign-in through an IdentityProvider that cannot finish. Rendered as an error page by the
 * routes; no Session exists when one is thrown.
 */
export class SignInError extends HttpError {
  constructor(
    status: number,
    readonly reason: SignInReason,
    message: string,
  ) {
    super(status, status === 404 ? 'not-found' : status >= 500 ? 'exception' : 'login', message);
    this.name = 'SignInError';
  }
}
