import type { Services } from '../interactions/interaction-context';
import { readResource, updateResource } from '../store/resource-store';

/**
 * Ends a session: it stays on record (with `end`), but none of its tokens or its cookie work again.
 * Ending an ended session changes nothing.
 */
export async function endSession(services: Services, id: string): Promise<boolean> {
  const { db } = services;
  const current = await readResource(db, 'Session', id);
  if (!current || current.resource.active === false) return false;
  const ended = { ...current.resource, active: false, end: new Date().toISOString() };
  const updated = await updateResource(db, 'Session', id, ended, current.txid);
  services.auth.cache.forgetSession(id);
  return Boolean(updated);
}
