import type { Database } from '../db/database';
import { insertResource, readLatestVersion } from '../store/resource-store';

/** Ordinary policies, visible and editable like any other: the bootstrap identities' full access. */
const BOOTSTRAP_POLICIES: Array<{ id: string; resource: Record<string, unknown> }> = [
  { id: 'root-client-full-access', resource: { engine: 'allow', description: 'Full access for the bootstrap Client root', link: [{ id: 'root', resourceType: 'Client' }] } },
  { id: 'admin-user-full-access', resource: { engine: 'allow', description: 'Full access for the bootstrap User admin', link: [{ id: 'admin', resourceType: 'User' }] } },
];
const LOCK_KEY = 7_303_003;

/**
 * Creates each bootstrap policy once. One that an operator edited is left as edited, and one that
 * an operator deleted stays deleted (its history shows it existed).
 */
export async function ensureBootstrapPolicies(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
    for (const policy of BOOTSTRAP_POLICIES) {
      if (await readLatestVersion(tx, 'AccessPolicy', policy.id)) continue;
      await insertResource(tx, 'AccessPolicy', policy.id, policy.resource);
    }
  });
}
