/**
 * Who is calling, as the authentication stage found it. Empty when no credentials were presented.
 * Read by authorization and by the interactions that need the caller.
 */
export interface AuthContext {
  user?: { id: string; resource: Record<string, unknown> };
  client?: { id: string; resource: Record<string, unknown> };
  session?: { id: string; resource: Record<string, unknown> };
  /** Claims of a verified JWT, when the credential was one. */
  claims?: Record<string, unknown>;
  /** The RFC 7662 introspection answer for a foreign opaque token (what policies see as `token`). */
  token?: Record<string, unknown>;
  scope?: string[];
  /** How the caller proved itself. */
  method?: 'bearer' | 'basic' | 'cookie';
}
