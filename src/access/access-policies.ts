import type { Database, Queryable } from '../db/database';
import type { Logger } from '../log/logger';
import { buildPolicyIndex, type PolicyIndex } from './policy-index';

export const ACCESS_CHANNEL = 'lockbox_access_changed';

/**
 * The live set of AccessPolicies and the users' Roles in this process. A change by this process
 * marks it stale at once (write hooks); a change by any other process on the database arrives by
 * NOTIFY at its commit (sql/040_access_changed.sql), and a lost listening connection marks it
 * stale as well. The next request after any of these reloads, so a change takes effect on the
 * next request everywhere, and an unchanged set costs nothing.
 */
export interface AccessPolicies {
  /** The current index; reloaded first when something changed. */
  index(q: Queryable): Promise<PolicyIndex>;
  /** The Role resources of a user (each with its name). */
  rolesOf(q: Queryable, userId: string): Promise<Array<Record<string, unknown>>>;
  /** Marks policies and roles stale (this process wrote one). */
  invalidate(): void;
}

const MAX_CACHED_USERS = 50_000;

export async function createAccessPolicies(db: Database, logger: Logger): Promise<AccessPolicies> {
  let current: PolicyIndex | undefined;
  let loading: Promise<PolicyIndex> | undefined;
  let generation = 0;
  const roles = new Map<string, Array<Record<string, unknown>>>();

  async function load(q: Queryable): Promise<PolicyIndex> {
    const { rows } = await q.query<{ id: string; resource: Record<string, unknown> }>('select id, resource from accesspolicy');
    return buildPolicyIndex(rows, (id, error) => logger.log('warn', 'AccessPolicy skipped: it cannot be compiled', { id, problems: error.problems }));
  }

  const policies: AccessPolicies = {
    async index(q) {
      if (current) return current;
      // Inside a bundle's transaction (q is not the pool) the set may include uncommitted writes
      // of that transaction: use it for this request only, never keep it.
      if (q !== db) return load(q);
      if (!loading) {
        const seen = generation;
        loading = load(db).then(
          (index) => {
            if (seen === generation) current = index;
            loading = undefined;
            return index;
          },
          (error) => {
            loading = undefined;
            throw error;
          },
        );
      }
      return loading;
    },
    async rolesOf(q, userId) {
      const cached = roles.get(userId);
      if (cached) return cached;
      const seen = generation;
      const { rows } = await q.query<{ resource: Record<string, unknown> }>(`select resource from role where resource#>>'{user,id}' = $1`, [userId]);
      const found = rows.map((row) => row.resource);
      if (seen === generation && q === db) {
        if (roles.size >= MAX_CACHED_USERS) roles.clear();
        roles.set(userId, found);
      }
      return found;
    },
    invalidate() {
      generation += 1;
      current = undefined;
      loading = undefined;
      roles.clear();
    },
  };
  // A lost listening connection may have lost notifications too: everything is read again.
  await db.listen(ACCESS_CHANNEL, () => policies.invalidate(), () => policies.invalidate());
  return policies;
}
