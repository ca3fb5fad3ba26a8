import type { Services } from '../interactions/interaction-context';
import { readResource, updateResource } from '../store/resource-store';

/**
 * Ends a session: it stays on record (with `end`), but none of its tokens or its cookie work again.
 * Ending an ended session changes nothing.
 */
export async function endSession(services: Services, id: string): Promise<boolean> {
  const { db } = services;
  // The update is conditional on the version read; a refresh committing in between changes the
  // version, so read again and end the refreshed session — a revocation never silently fails.
  // The store announces the ended session to the caches before this returns.
  for (let attempt = 0; attempt < 10; attempt++) {
    const current = await readResource(db, 'Session', id);
    if (!current || current.resource.active === false) return false;
    const ended = { ...current.resource, active: false, end: new Date().toISOString() };
    if (await updateResource(db, 'Session', id, ended, current.txid)) return true;
  }
  throw new Error(`Session ${id} kept changing while it was being ended`);
}
