/** The credentials a client presented to an OAuth endpoint, before any is checked. */
export interface PresentedClient {
  id: string;
  secret?: string;
  /** A signed client assertion (private_key_jwt), instead of a secret. */
  assertion?: string;
  usedBasic: boolean;
}
