import bcrypt from 'bcrypt';
import { unprocessable } from '../errors/http-error';
import type { WriteHook } from '../interactions/resource-hooks';

/** bcrypt reads at most 72 bytes; a longer password would be silently truncated, so it is refused. */
const MIN_BYTES = 8;
const MAX_BYTES = 72;

export function checkPasswordLength(password: unknown): asserts password is string {
  const bytes = typeof password === 'string' ? Buffer.byteLength(password, 'utf8') : -1;
  if (bytes < MIN_BYTES || bytes > MAX_BYTES) {
    throw unprocessable([{ expression: 'User.password', diagnostics: `password must be ${MIN_BYTES} to ${MAX_BYTES} bytes long (UTF-8); got ${Math.max(bytes, 0)}` }]);
  }
}

export function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, cost);
}

/**
 * User.password arrives in clear and is stored only as its bcrypt hash. An update that omits it
 * keeps the stored hash, so a read-modify-write (which never sees the hash) does not erase it.
 */
export function userPasswordHook(cost: number): WriteHook {
  return {
    async beforeWrite(resource, { previous }) {
      if (resource.password === undefined) {
        return previous?.password === undefined ? resource : { ...resource, password: previous.password };
      }
      checkPasswordLength(resource.password);
      return { ...resource, password: await hashPassword(resource.password, cost) };
    },
  };
}
