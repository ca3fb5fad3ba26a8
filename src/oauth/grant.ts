import type { AuthRequest } from './auth-request';
import type { AuthenticatedClient } from './authenticate-client';
import type { TokenResponse } from './mint-tokens';

/**
 * One grant type of the token endpoint: everything the server needs to know about it lives in its
 * own file, and one line in grant-registry.ts makes the token endpoint serve it and discovery
 * list it.
 */
export interface Grant {
  /** The `grant_type` value: RFC 6749 §4's names, or an extension's absolute URI. */
  readonly type: string;
  /** Whether the client must name the grant in `Client.grant_types` to use it. */
  readonly mustBeListed: boolean;
  /** Whether a client that shows neither its secret nor an assertion is refused before the grant runs. */
  secretRequired(client: Record<string, unknown>): boolean;
  /** The grant itself, for an authenticated client allowed to use it. */
  issue(req: AuthRequest, client: AuthenticatedClient): Promise<TokenResponse>;
}
