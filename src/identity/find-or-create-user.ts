import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../db/database';
import { insertResource, readResource, updateResource } from '../store/resource-store';
import { ForeignTokenError } from './foreign-token-error';
import type { IdentityProviderResource, Introspector } from './load-introspectors';
import { standardClaimsOf } from './standard-claims-of';
import type { CachedUser, LocalUser, UserCache } from './user-cache';

type Obj = Record<string, unknown>;

export type { LocalUser } from './user-cache';

export interface ForeignIdentity {
  introspector: Introspector;
  /** Verified claims (JWT) or the introspection response (opaque). */
  claims: Obj;
  /** The token itself, for the provider's userinfo endpoint. */
  token: string;
}

export interface FindOrCreateUserOptions {
  /** BOX_SECURITY_INTROSPECTION_CREATE_USER: create the User on first sight and keep its `data` current. */
  createUsers: boolean;
  /** The provider's userinfo claims for this token (called only when they are needed; cache it). */
  loadUserinfo(provider: IdentityProviderResource, token: string, sub: string): Promise<Obj>;
  /** Users already resolved by this process. */
  users: UserCache;
}

/** Key order must not count as a change: providers do not promise a stable order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Obj)[key])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A known token brings the same cached claims (or userinfo answer) and the same cached User on
 * every request: their user data and its canonical form are computed once per object, not per
 * request. Neither object is ever mutated (a change makes new ones).
 */
const canonicalForms = new WeakMap<object, string>();
const tokenData = new WeakMap<Obj, Obj>();

function canonicalOf(value: unknown): string {
  if (!value || typeof value !== 'object') return canonical(value);
  let form = canonicalForms.get(value);
  if (form === undefined) canonicalForms.set(value, (form = canonical(value)));
  return form;
}

function dataOfClaims(claims: Obj): Obj {
  let data = tokenData.get(claims);
  if (!data) tokenData.set(claims, (data = standardClaimsOf(claims)));
  return data;
}

/** OpenID Connect Core §2: a `sub` "MUST NOT exceed 255 ASCII characters in length". */
const MAX_SUB_LENGTH = 255;

async function findByIdentifier(db: Queryable, system: string, value: string): Promise<CachedUser | undefined> {
  const { rows } = await db.query<{ id: string; txid: string; resource: Obj }>(
    `select id, txid, resource from "user" where resource->'identifier' @> $1::jsonb order by cts, id limit 1`,
    [JSON.stringify([{ system, value }])],
  );
  return rows[0] && { id: rows[0].id, txid: Number(rows[0].txid), resource: rows[0].resource };
}

/**
 * The user_identity primary key makes the first writer win; everyone else waits for it on the
 * key, then reads the winner. A row left behind by a since-deleted User is taken over.
 */
async function createUser(db: Database, system: string, value: string, data: Obj): Promise<CachedUser> {
  return db.transaction(async (tx) => {
    const id = randomUUID();
    const claimed = await tx.query('insert into user_identity (system, value, user_id) values ($1, $2, $3) on conflict do nothing returning user_id', [system, value, id]);
    if (!claimed.rowCount) {
      const { rows } = await tx.query<{ user_id: string }>('select user_id from user_identity where system = $1 and value = $2 for update', [system, value]);
      const winner = await readResource(tx, 'User', rows[0].user_id);
      if (winner) return { id: winner.id, txid: winner.txid, resource: winner.resource };
      await tx.query('update user_identity set user_id = $3 where system = $1 and value = $2', [system, value, id]);
    }
    const resource = { identifier: [{ system, value }], data };
    const created = await insertResource(tx, 'User', id, resource);
    return { id, txid: created!.txid, resource };
  });
}

/**
 * The local User of a foreign identity: the one the `box_user` claim names, else the one whose
 * identifier is {system: IdentityProvider.system, value: sub}. With createUsers, a missing one
 * is created (JIT) and a found one gets a new version when its userinfo claims changed.
 * Undefined when the token maps to no user (no identity_provider, no system, no sub).
 */
export async function findOrCreateUser(db: Database, identity: ForeignIdentity, options: FindOrCreateUserOptions): Promise<LocalUser | undefined> {
  const { claims, introspector } = identity;
  const { users } = options;
  const since = users.begin();
  if (typeof claims.box_user === 'string') {
    const key = `box_user\0${claims.box_user}`;
    const known = users.get(key);
    if (known) return known;
    const named = await readResource(db, 'User', claims.box_user);
    if (!named) throw new ForeignTokenError('unknown-user', `the token's box_user ${claims.box_user} is not a User`);
    const user = { id: named.id, txid: named.txid, resource: named.resource };
    users.set(key, user, since);
    return user;
  }
  const provider = introspector.identityProvider?.resource;
  const sub = claims.sub;
  if (!provider?.system || typeof sub !== 'string' || !sub) return undefined;
  // OIDC Core §2; and the identity's row is keyed by it (user_identity), whose index holds ~2,700 bytes.
  if ([...sub].length > MAX_SUB_LENGTH) throw new ForeignTokenError('malformed', `the token's sub is longer than ${MAX_SUB_LENGTH} characters`);

  const key = `${provider.system}\0${sub}`;
  const known = users.get(key);
  const found = known ?? (await findByIdentifier(db, provider.system, sub));
  if (!options.createUsers) {
    if (found && !known) users.set(key, found, since);
    return found;
  }

  const fromEndpoint = (provider['userinfo-source'] ?? (provider.userinfo_endpoint ? 'userinfo-endpoint' : 'id-token')) === 'userinfo-endpoint';
  const data = fromEndpoint
    ? await options.loadUserinfo(provider, identity.token, sub)
    : dataOfClaims(claims);

  if (!found) {
    const created = await createUser(db, provider.system, sub, data);
    users.set(key, created, since);
    return created;
  }
  if (canonicalOf(found.resource.data) === canonicalOf(data)) {
    if (!known) users.set(key, found, since);
    return found;
  }
  // If-Match on the version we read: of two requests refreshing at once, one writes.
  const resource = { ...found.resource, data };
  const updated = await updateResource(db, 'User', found.id, resource, found.txid);
  if (updated) {
    const user = { id: found.id, txid: updated.txid, resource };
    users.set(key, user, users.begin());
    return user;
  }
  // Someone else changed the User since we read it (or our cached copy was stale): read it again.
  users.forget(found.id);
  const current = await findByIdentifier(db, provider.system, sub);
  return current ?? createUser(db, provider.system, sub, data);
}
