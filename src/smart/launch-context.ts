import { hashSecret } from '../auth/hash-secret';
import type { Queryable } from '../db/database';
import { invalidRequest } from '../oauth/oauth-error';

/** The launch context a token response carries (SMART App Launch, scopes-and-launch-context). */
export interface LaunchContext {
  patient?: string;
  encounter?: string;
  fhirContext?: unknown[];
  need_patient_banner?: boolean;
}

/** What an EHR launch handed to the app: its context, and the hash that spends it. */
export interface EhrLaunch {
  hash: string;
  context: LaunchContext;
}

/**
 * The EHR launch a `launch` value names: unexpired, unspent, for this client, and for this person
 * when it named one. Anything else is invalid_request — the app cannot make up its own context.
 */
export async function loadEhrLaunch(q: Queryable, launch: string, clientId: string, userId: string): Promise<EhrLaunch> {
  const hash = hashSecret(launch);
  const { rows } = await q.query<{ client_id: string; user_id: string | null; context: LaunchContext; live: boolean }>(
    'select client_id, user_id, context, expires_at > now() and used_at is null as live from smart_launch where launch_hash = $1',
    [hash],
  );
  const found = rows[0];
  if (!found || !found.live || found.client_id !== clientId) throw invalidRequest('launch is unknown, expired, already used, or for another application');
  if (found.user_id !== null && found.user_id !== userId) throw invalidRequest('launch was made for another user');
  return { hash, context: found.context };
}

/** Spends an EHR launch as its code is issued: of two requests racing with one value, one wins. */
export async function spendEhrLaunch(q: Queryable, hash: string): Promise<void> {
  const { rows } = await q.query('update smart_launch set used_at = now() where launch_hash = $1 and used_at is null and expires_at > now() returning launch_hash', [hash]);
  if (!rows.length) throw invalidRequest('launch was already used');
}
