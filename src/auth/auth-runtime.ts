import bcrypt from 'bcrypt';
import type { AuthSettings } from '../config/load-config';
import type { Database } from '../db/database';
import { newRandomToken } from './hash-secret';
import { createAllowedOriginsCache, type AllowedOriginsCache } from './allowed-origins-cache';
import { createClientAuthThrottle, type ClientAuthThrottle } from './client-auth-throttle';
import { createIdentityCache, type IdentityCache } from './identity-cache';
import { createLoginThrottle, type LoginThrottle } from './login-throttle';
import { createClientKeys, type ClientKeys } from '../oauth/create-client-keys';
import { createSessionWriter, type SessionWriter } from './session-writer';
import { loadSigningKeys, type SigningKeys } from './signing-keys';

/** The authentication parts of a running server that hold state: keys, throttles, a dummy hash. */
export interface AuthRuntime {
  readonly keys: SigningKeys;
  /** Password attempts per user name and address. */
  readonly throttle: LoginThrottle;
  /** Failed client authentications per client id and address. */
  readonly clientThrottle: ClientAuthThrottle;
  /**
   * A bcrypt hash of nothing anyone knows, at the configured cost: compared against when the user
   * does not exist, so a wrong user name takes as long as a wrong password.
   */
  readonly dummyPasswordHash: string;
  /** Stores new Sessions, many per statement under load. */
  readonly sessions: SessionWriter;
  /** Clients and live sessions in memory, dropped on every change. */
  readonly cache: IdentityCache;
  /** The origins active Clients allow (`allowed_origins`), for CORS; dropped on every Client change. */
  readonly origins: AllowedOriginsCache;
  /** The keys Clients sign their assertions with (private_key_jwt). */
  readonly clientKeys: ClientKeys;
}

export async function createAuthRuntime(db: Database, settings: AuthSettings): Promise<AuthRuntime> {
  // Side by side: the dummy hash (and, on a first start, the key pair) are made on the thread pool.
  const [keys, dummyPasswordHash] = await Promise.all([loadSigningKeys(db, settings), bcrypt.hash(newRandomToken(), settings.bcryptCost)]);
  return {
    keys,
    throttle: createLoginThrottle({ maxPerUser: settings.maxFailuresPerUser, maxPerAddress: settings.maxFailuresPerAddress, windowSeconds: settings.throttleWindowSeconds }),
    clientThrottle: createClientAuthThrottle({ maxPerClient: settings.maxClientFailures, maxPerAddress: settings.maxClientFailuresPerAddress, windowSeconds: settings.throttleWindowSeconds }),
    dummyPasswordHash,
    sessions: createSessionWriter(db),
    cache: createIdentityCache(),
    clientKeys: createClientKeys(),
    origins: createAllowedOriginsCache(db),
  };
}
