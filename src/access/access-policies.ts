import type { ChangeListener } from '../db/change-bus';
import type { Database, Queryable } from '../db/database';
import type { Logger } from '../log/logger';
import { buildPolicyIndex, type PolicyIndex } from './policy-index';

/**
 * The live set of AccessPolicies and the users' Roles in this process. It follows the change bus
 * (src/db/change-bus.ts): a committed change to either type — this process's before its response
 * is written, any other's by NOTIFY — marks it stale, and so does a lost listening connection.
 * The next request after any of these reloads, so a change takes effect on the next request
 * everywhere, and an unchanged set costs nothing.
 */
export interface AccessPolicies extends ChangeListener {
  /** The current index; reloaded first when something changed. */
  index(q: Queryable): Promise<PolicyIndex>;
  /** The Role resources of a user (each with its name). */
  rolesOf(q: Queryable, userId: string): Promise<Array<Record<string, unknown>>>;
}

const MAX_CACHED_USERS = 50_000;

export function createAccessPolicies(db: Database, logger: Logger): AccessPolicies {
  let current: PolicyIndex | undefined;
  let loading: Promise<PolicyIndex> | undefined;
  let generation = 0;
  const roles = new Map<string, Array<Record<string, unknown>>>();

  async function load(q: Queryable): Promise<PolicyIndex> {
    const { rows } = await q.query<{ id: string; resource: Record<string, unknown> }>('select id, resource from accesspolicy');
    return buildPolicyIndex(rows, (id, error) => logger.log('warn', 'AccessPolicy skipped: it cannot be compiled', { id, problems: error.problems }));
  }

  const invalidate = () => {
    generation += 1;
    current = undefined;
    loading = undefined;
    roles.clear();
  };

  return {
    async index(q) {
      // A transaction that wrote a policy is judged by its own writes (a bundle's later entries by
      // its earlier ones): that set is for this request only, never kept.
      if (q.wrote('AccessPolicy')) return load(q);
      if (current) return current;
      // Inside a transaction (q is not the pool) the set is read there and not kept either.
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
      // As for policies: a transaction that wrote a Role reads the roles it made.
      const cached = q.wrote('Role') ? undefined : roles.get(userId);
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
    changeTypes: ['AccessPolicy', 'Role'],
    onChange: invalidate,
    onMissed: invalidate,
  };
}
