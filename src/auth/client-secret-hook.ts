import type { WriteHook } from '../interactions/resource-hooks';
import { hashSecret } from './hash-secret';

/**
 * Client.secret arrives in clear and is stored only as its SHA-256 hex: client secrets are
 * generated high-entropy values, so a fast hash is enough (unlike user passwords). An update
 * that omits it keeps the stored hash.
 */
export const clientSecretHook: WriteHook = {
  async beforeWrite(resource, { previous }) {
    if (resource.secret === undefined) {
      return previous?.secret === undefined ? resource : { ...resource, secret: previous.secret };
    }
    return { ...resource, secret: hashSecret(String(resource.secret)) };
  },
};
