import type { WriteHook } from '../interactions/resource-hooks';

/**
 * Drops this process's cached view of a Client or User as it is written, so the very next request
 * sees the change (other processes hear of it from the change trigger at commit).
 */
export function forgetIdentityHook(forget: (id: string) => void): WriteHook {
  return {
    async beforeWrite(resource, { id }) {
      forget(id);
      return resource;
    },
  };
}
