import type { Queryable } from '../db/database';

type Body = Record<string, unknown>;

/** A session with its user and client, read in one statement. */
export interface LoadedSession {
  id: string;
  txid: number;
  resource: Body;
  user?: { id: string; resource: Body };
  client?: { id: string; resource: Body };
}

interface Row {
  id: string;
  txid: string | number;
  resource: Body;
  user_id: string | null;
  user_resource: Body | null;
  client_id: string | null;
  client_resource: Body | null;
}

const SELECT = `select s.id, s.txid, s.resource,
    u.id as user_id, u.resource as user_resource, c.id as client_id, c.resource as client_resource
  from session s
  left join "user" u on u.id = s.resource#>>'{user,id}'
  left join client c on c.id = s.resource#>>'{client,id}'`;

/** `by` names an indexed lookup; the value is bound, never spliced. */
const WHERE = {
  id: 's.id = $1',
  access_token: "s.resource->>'access_token' = $1",
  refresh_token: "s.resource->>'refresh_token' = $1",
} as const;

export async function loadSession(q: Queryable, by: keyof typeof WHERE, value: string): Promise<LoadedSession | undefined> {
  const { rows } = await q.query<Row>(`${SELECT} where ${WHERE[by]}`, [value]);
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: row.id,
    txid: Number(row.txid),
    resource: row.resource,
    user: row.user_id && row.user_resource ? { id: row.user_id, resource: row.user_resource } : undefined,
    client: row.client_id && row.client_resource ? { id: row.client_id, resource: row.client_resource } : undefined,
  };
}

/**
 * Why a session no longer authenticates anyone, or undefined when it is live. The Session record
 * itself is left as it is when its user is deactivated (the reference's rule): only its use stops.
 */
export function whySessionIsDead(session: LoadedSession, nowSeconds = Math.floor(Date.now() / 1000)): string | undefined {
  const body = session.resource;
  if (body.active === false) return 'The session has ended';
  if (typeof body.exp === 'number' && body.exp <= nowSeconds) return 'The token has expired';
  if (body.user && !session.user) return 'The user no longer exists';
  if (session.user?.resource.inactive === true) return 'User is inactive';
  if (body.client && !session.client) return 'The client no longer exists';
  if (session.client?.resource.active === false) return 'The client is inactive';
  return undefined;
}
