import type { Queryable } from '../db/database';
import { readResource, updateResource } from '../store/resource-store';

/**
 * Ends a session: it stays on record (with `end`), but none of its tokens or its cookie work again.
 * Ending an ended session changes nothing.
 */
export async function endSession(q: Queryable, id: string): Promise<boolean> {
  const current = await readResource(q, 'Session', id);
  if (!current || current.resource.active === false) return false;
  const ended = { ...current.resource, active: false, end: new Date().toISOString() };
  return Boolean(await updateResource(q, 'Session', id, ended, current.txid));
}
