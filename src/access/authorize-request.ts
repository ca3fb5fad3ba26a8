import type { AuthContext } from '../auth/auth-context';
import { loginRequired } from '../auth/authenticate-request';
import type { Database, Queryable } from '../db/database';
import { scratchDatabase } from '../db/scratch-database';
import { HttpError } from '../errors/http-error';
import type { AccessPolicies } from './access-policies';
import { evaluateAccess, type AccessContext, type AccessResult } from './evaluate-access';
import type { PolicyIndex } from './policy-index';
import type { PolicyRequest } from './policy-request';

/** What the decision loop runs on for this caller: the live policies, its roles, the database. */
export async function loadAccessContext(policies: AccessPolicies, db: Database, q: Queryable, auth: AuthContext): Promise<{ index: PolicyIndex; context: AccessContext }> {
  const index = await policies.index(q);
  const roles = auth.user ? await policies.rolesOf(q, auth.user.id) : [];
  return { index, context: { roles, db: scratchDatabase(db, q) } };
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
