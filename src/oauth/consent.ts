import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database';
import { insertResource } from '../store/resource-store';

/** What a person has already let a client have: the union of their Grants' provided scopes; undefined when they never consented. */
export async function loadGrantedScopes(q: Queryable, clientId: string, userId: string): Promise<Set<string> | undefined> {
  const { rows } = await q.query<{ resource: Record<string, unknown> }>(
    `select resource from "grant" where resource#>>'{client,id}' = $1 and resource#>>'{user,id}' = $2`,
    [clientId, userId],
  );
  if (rows.length === 0) return undefined;
  const granted = new Set<string>();
  for (const { resource } of rows) {
    const provided = Array.isArray(resource['provided-scope']) ? (resource['provided-scope'] as string[]) : String(resource.scope ?? '').split(' ');
    for (const scope of provided) if (scope) granted.add(scope);
  }
  return granted;
}

/** Whether every scope of the request is already granted (an empty request needs nothing). */
export function isCovered(scope: string[], granted: Set<string>): boolean {
  return scope.every((entry) => granted.has(entry));
}

/** A person's Allow on the consent page: one Grant resource, as the reference product records it. */
export async function recordGrant(q: Queryable, grant: { clientId: string; userId: string; requested: string[]; provided: string[] }): Promise<void> {
  await insertResource(q, 'Grant', randomUUID(), {
    client: { id: grant.clientId, resourceType: 'Client' },
    user: { id: grant.userId, resourceType: 'User' },
    'requested-scope': grant.requested.length ? grant.requested : undefined,
    'provided-scope': grant.provided.length ? grant.provided : undefined,
    scope: grant.provided.join(' ') || undefined,
    start: new Date().toISOString(),
  });
}
