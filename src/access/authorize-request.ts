import type { AuthContext } from '../auth/auth-context';
import { loginRequired } from '../auth/authenticate-request';
import type { Database, Queryable } from '../db/database';
import { HttpError } from '../errors/http-error';
import type { AccessPolicies } from './access-policies';
import { evaluateAccess, type AccessContext, type AccessResult } from './evaluate-access';
import type { PolicyIndex } from './policy-index';
import type { PolicyRequest } from './policy-request';

/**
 * An sql-engine policy runs its query in a read-only transaction of its own. Inside a bundle's
 * transaction a second transaction cannot be opened on the same handle (PGlite has one backend),
 * so there the query runs in a savepoint that is always rolled back.
 */
export function policyDatabase(db: Database, q: Queryable): Database {
  if (q === db) return db;
  return {
    ...db,
    query: (sql, params) => q.query(sql, params),
    exec: (sql) => q.exec(sql),
    announce: (change) => q.announce(change),
    wrote: (resourceType) => q.wrote(resourceType),
    async transaction(fn) {
      await q.exec('savepoint lockbox_policy');
      try {
        return await fn(q);
      } finally {
        await q.exec('rollback to savepoint lockbox_policy');
      }
    },
  };
}

/** What the decision loop runs on for this caller: the live policies, its roles, the database. */
export async function loadAccessContext(policies: AccessPolicies, db: Database, q: Queryable, auth: AuthContext): Promise<{ index: PolicyIndex; context: AccessContext }> {
  const index = await policies.index(q);
  const roles = auth.user ? await policies.rolesOf(q, auth.user.id) : [];
  return { index, context: { roles, db: policyDatabase(db, q) } };
}

/** Decides one request: the first candidate policy that allows decides; otherwise default deny. */
export async function decideAccess(policies: AccessPolicies, db: Database, q: Queryable, request: PolicyRequest, auth: AuthContext): Promise<AccessResult> {
  const { index, context } = await loadAccessContext(policies, db, q, auth);
  return evaluateAccess(index, request, context);
}

/** A refusal that says nothing about the policies: 401 without an identity, 403 with one. */
export function accessDenied(auth: AuthContext): HttpError {
  if (!auth.user && !auth.client) return loginRequired('Authentication required', 'Bearer', false);
  return new HttpError(403, 'forbidden', 'Access denied');
}
