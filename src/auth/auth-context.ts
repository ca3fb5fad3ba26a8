/**
 * Who is calling, as the authentication stage found it. Empty until credentials are presented.
 * (Filled by the authentication issue; read by authorization and by interactions that need it.)
 */
export interface AuthContext {
  user?: { id: string; resource: Record<string, unknown> };
  client?: { id: string; resource: Record<string, unknown> };
  session?: { id: string; resource: Record<string, unknown> };
  /** Claims of a verified JWT, when the credential was one. */
  claims?: Record<string, unknown>;
  scope?: string[];
}
