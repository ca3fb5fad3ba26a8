import type { Database } from '../db/database';
import { readResource, updateResource } from '../store/resource-store';

/**
 * With IdentityProvider.isEmailUniqueness: an existing User with the provider's (verified) email
 * becomes the User of this identity — the identifier is added and the identity row claimed — so
 * later sign-ins find it by identifier. False when no User has that email.
 */
export async function linkUserByEmail(db: Database, identity: { system: string; sub: string; email: string }): Promise<boolean> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(`select id from "user" where lower(resource->>'email') = lower($1) order by cts, id limit 1`, [identity.email]);
    if (!rows[0]) return false;
    const user = await readResource(tx, 'User', rows[0].id, true);
    if (!user) return false;
    const claimed = await tx.query('insert into user_identity (system, value, user_id) values ($1, $2, $3) on conflict do nothing returning user_id', [identity.system, identity.sub, user.id]);
    // Someone else's identity row: that User wins, as findOrCreateUser will find it.
    if (!claimed.rowCount) return true;
    const identifier = Array.isArray(user.resource.identifier) ? user.resource.identifier : [];
    await updateResource(tx, 'User', user.id, { ...user.resource, identifier: [...identifier, { system: identity.system, value: identity.sub }] }, user.txid);
    return true;
  });
}
