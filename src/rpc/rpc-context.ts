import type { EdgeFacts } from '../interactions/interaction-context';
import type { AuthContext } from '../auth/auth-context';
import type { Services } from '../interactions/interaction-context';

/** Who makes an rpc call and how it came: everything a call needs besides its body. */
export interface RpcContext {
  readonly services: Services;
  readonly auth: AuthContext;
  readonly edge: EdgeFacts;
  /** The path the call came on (`/rpc`, or an alias such as `/auth/test-policy`): policies see it as `uri`. */
  readonly uri: string;
  /** Lowercased header names; policies see them without credentials. */
  readonly headers: Record<string, string | undefined>;
}
