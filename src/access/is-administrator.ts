import type { AuthContext } from '../auth/auth-context';

/**
 * The bootstrap identities: the User `admin`, or the Client `root` acting for nobody. Only they may
 * run a query of their own choosing through the policy tester (an sql policy reads any table).
 */
export function isAdministrator(auth: AuthContext): boolean {
  return auth.user?.id === 'admin' || (!auth.user && auth.client?.id === 'root');
}
