import type { Queryable } from '../db/database';
import { tableName } from '../db/table-name';
import { isStorableText } from './storable-text';

/**
 * SQL for one resource type's table and its history twin. Identifiers come only from the fixed
 * registry of resource types (the caller checks the type); every value is a bound parameter.
 * Every write is a single statement: the row and its history version commit together. Every write
 * that happened is announced to the caches (src/db/change-bus.ts) once it has committed: at once
 * outside a transaction, at COMMIT inside one (Queryable.announce).
 */
export type VersionStatus = 'created' | 'updated' | 'deleted' | 'recreated';

export interface StoredVersion {
  id: string;
  resourceType: string;
  txid: number;
  cts: Date;
  ts: Date;
  status: VersionStatus;
  /** The JSONB body: no id, resourceType, versionId or timestamps (those are columns). */
  resource: Record<string, unknown>;
}

/** A version as a row of a resource table or its history. */
export interface VersionRow {
  id: string;
  txid: number | string;
  cts: Date | string;
  ts: Date | string;
  status: VersionStatus;
  resource: Record<string, unknown>;
}

const COLUMNS = 'id, txid, cts, ts, resource_type, status, resource';

export function toVersion(resourceType: string, row: VersionRow, resource = row.resource): StoredVersion {
  return {
    id: row.id,
    resourceType,
    txid: Number(row.txid),
    cts: new Date(row.cts),
    ts: new Date(row.ts),
    status: row.status,
    resource,
  };
}

const quoted = (resourceType: string) => `"${tableName(resourceType)}"`;
const history = (resourceType: string) => `"${tableName(resourceType)}_history"`;

/** Inserts a new resource; undefined when the id is taken. A previously deleted id is 'recreated'. */
export async function insertResource(q: Queryable, resourceType: string, id: string, resource: Record<string, unknown>): Promise<StoredVersion | undefined> {
  const sql = `with ins as (
      insert into ${quoted(resourceType)} (${COLUMNS})
      select $1, nextval('txid_seq'), now(), now(), $3,
        case when exists (select 1 from ${history(resourceType)} where id = $1) then 'recreated' else 'created' end,
        $2::jsonb
      on conflict (id) do nothing
      returning ${COLUMNS}
    ), hist as (
      insert into ${history(resourceType)} (${COLUMNS}) select ${COLUMNS} from ins
    )
    select id, txid, cts, ts, status from ins`;
  const { rows } = await q.query<VersionRow>(sql, [id, JSON.stringify(resource), resourceType]);
  if (!rows[0]) return undefined;
  q.announce({ resourceType, id, op: 'create' });
  return toVersion(resourceType, rows[0], resource);
}

/**
 * Replaces the current version. With expectedTxid, only when the current version is that one —
 * checked by the UPDATE itself, so concurrent writers with one If-Match cannot both win.
 * Undefined when there is no such row (or the version did not match).
 */
export async function updateResource(
  q: Queryable,
  resourceType: string,
  id: string,
  resource: Record<string, unknown>,
  expectedTxid?: number,
): Promise<StoredVersion | undefined> {
  const sql = `with upd as (
      update ${quoted(resourceType)} set txid = nextval('txid_seq'), ts = now(), status = 'updated', resource = $2::jsonb
      where id = $1 and ($3::bigint is null or txid = $3::bigint)
      returning ${COLUMNS}
    ), hist as (
      insert into ${history(resourceType)} (${COLUMNS}) select ${COLUMNS} from upd
    )
    select id, txid, cts, ts, status from upd`;
  const { rows } = await q.query<VersionRow>(sql, [id, JSON.stringify(resource), expectedTxid ?? null]);
  if (!rows[0]) return undefined;
  q.announce({ resourceType, id, op: 'update' });
  return toVersion(resourceType, rows[0], resource);
}

/** Removes the current row and records a 'deleted' version; returns that version or undefined. */
export async function deleteResource(q: Queryable, resourceType: string, id: string, expectedTxid?: number): Promise<StoredVersion | undefined> {
  if (!isStorableText(id)) return undefined;
  const sql = `with del as (
      delete from ${quoted(resourceType)} where id = $1 and ($2::bigint is null or txid = $2::bigint)
      returning id, cts, resource_type, resource
    ), hist as (
      insert into ${history(resourceType)} (${COLUMNS})
      select id, nextval('txid_seq'), cts, now(), resource_type, 'deleted', resource from del
      returning ${COLUMNS}
    )
    select id, txid, cts, ts, status, resource from hist`;
  const { rows } = await q.query<VersionRow>(sql, [id, expectedTxid ?? null]);
  if (!rows[0]) return undefined;
  q.announce({ resourceType, id, op: 'delete' });
  return toVersion(resourceType, rows[0]);
}

export async function readResource(q: Queryable, resourceType: string, id: string, forUpdate = false): Promise<StoredVersion | undefined> {
  if (!isStorableText(id)) return undefined;
  const sql = `select id, txid, cts, ts, status, resource from ${quoted(resourceType)} where id = $1${forUpdate ? ' for update' : ''}`;
  const { rows } = await q.query<VersionRow>(sql, [id]);
  return rows[0] ? toVersion(resourceType, rows[0]) : undefined;
}

/** Current versions of several ids of one type, by id; one statement (the single-id one for one id). */
export async function readResources(q: Queryable, resourceType: string, requested: readonly string[]): Promise<Map<string, StoredVersion>> {
  // An id PostgreSQL could not even compare would fail the statement, and with it every other
  // read coalesced into it: it cannot exist, so it is simply not asked for (nor by the readers
  // of one id below: the answer is "not found", never an error).
  const ids = requested.every(isStorableText) ? requested : requested.filter(isStorableText);
  if (ids.length === 0) return new Map();
  if (ids.length === 1) {
    const version = await readResource(q, resourceType, ids[0]);
    return new Map(version ? [[version.id, version]] : []);
  }
  const sql = `select id, txid, cts, ts, status, resource from ${quoted(resourceType)} where id = any($1::text[])`;
  const { rows } = await q.query<VersionRow>(sql, [ids]);
  return new Map(rows.map((row) => [row.id, toVersion(resourceType, row)]));
}

/** The newest history version of an id (deleted ones included), to tell 'gone' from 'never existed'. */
export async function readLatestVersion(q: Queryable, resourceType: string, id: string): Promise<StoredVersion | undefined> {
  if (!isStorableText(id)) return undefined;
  const sql = `select id, txid, cts, ts, status, resource from ${history(resourceType)} where id = $1 order by txid desc limit 1`;
  const { rows } = await q.query<VersionRow>(sql, [id]);
  return rows[0] ? toVersion(resourceType, rows[0]) : undefined;
}

export async function readVersion(q: Queryable, resourceType: string, id: string, txid: number): Promise<StoredVersion | undefined> {
  if (!isStorableText(id)) return undefined;
  const sql = `select id, txid, cts, ts, status, resource from ${history(resourceType)} where id = $1 and txid = $2`;
  const { rows } = await q.query<VersionRow>(sql, [id, txid]);
  return rows[0] ? toVersion(resourceType, rows[0]) : undefined;
}

export interface HistoryQuery {
  id?: string;
  since?: Date;
  /** Only versions older than this txid: the cursor of the next page. */
  beforeTxid?: number;
  count: number;
}

/** Versions newest first; asks for one more than count so the caller knows whether a next page exists. */
export async function readHistory(q: Queryable, resourceType: string, query: HistoryQuery): Promise<StoredVersion[]> {
  if (query.id !== undefined && !isStorableText(query.id)) return [];
  const sql = `select id, txid, cts, ts, status, resource from ${history(resourceType)}
    where ($1::text is null or id = $1) and ($2::timestamptz is null or ts >= $2::timestamptz) and ($3::bigint is null or txid < $3::bigint)
    order by txid desc limit $4`;
  const { rows } = await q.query<VersionRow>(sql, [query.id ?? null, query.since?.toISOString() ?? null, query.beforeTxid ?? null, query.count + 1]);
  return rows.map((row) => toVersion(resourceType, row));
}
