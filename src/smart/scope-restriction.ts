import type { Queryable } from '../db/database';
import { tableName } from '../db/table-name';
import { HttpError } from '../errors/http-error';
import { restrictionWhere } from '../search/build-search-sql';
import { patientCompartmentParameters } from '../search/load-patient-compartment';
import { searchParametersOf } from '../search/load-search-parameters';
import { parseSearchQuery, type Alternative, type Restriction, type SearchTerm } from '../search/parse-search-query';
import { SqlParams } from '../search/sql-params';
import type { SmartAccess } from './smart-access';
import { scopesPermitting, type Permission, type ResourceScope } from './smart-scope';

export const outsideScopes = (message: string) => new HttpError(403, 'forbidden', message);

/**
 * One scope as a condition on a type: user/ and system/ scopes confine nothing (AccessPolicies do);
 * patient/ confines to the compartment of the launch patient (FHIR compartmentdefinition-patient),
 * a Patient to itself; a type outside the compartment (Medication, Organization) is not confined.
 * A v2 restriction (`?category=laboratory`) becomes search terms; one the type cannot search matches nothing.
 */
function alternativeOf(scope: ResourceScope, resourceType: string, patient: string | undefined): Alternative | undefined {
  let terms: SearchTerm[] = [];
  if (scope.restriction?.length) {
    const query: Record<string, string[]> = {};
    for (const [name, value] of scope.restriction) (query[name] ??= []).push(value);
    try {
      terms = parseSearchQuery(resourceType, query, searchParametersOf(resourceType), { maxCount: 1, lenient: false }).terms;
    } catch {
      return undefined;
    }
  }
  if (scope.context !== 'patient') return { terms };
  if (!patient) return undefined;
  if (resourceType === 'Patient') {
    const id = searchParametersOf('Patient')._id;
    return { terms: [...terms, { name: '_id', def: id, values: [patient] }] };
  }
  const parameters = patientCompartmentParameters(resourceType);
  if (!parameters) return { terms };
  return { compartment: { resourceType: 'Patient', id: patient, parameters }, terms };
}

/**
 * The restriction for `permission` on `resourceType`, or undefined when some scope grants it
 * without condition. Throws 403 when no scope grants it at all.
 */
export function restrictionOf(access: SmartAccess, resourceType: string, permission: Permission): Restriction | undefined {
  const permitting = scopesPermitting(access.scopes, resourceType, permission);
  if (!permitting.length) throw outsideScopes(`The token's scopes do not allow '${permission}' on ${resourceType}`);
  const alternatives: Alternative[] = [];
  for (const scope of permitting) {
    const alternative = alternativeOf(scope, resourceType, access.patient);
    if (!alternative) continue;
    if (!alternative.compartment && !alternative.terms.length) return undefined;
    alternatives.push(alternative);
  }
  if (!alternatives.length) throw outsideScopes(`The token's scopes allow '${permission}' on ${resourceType} only with a launch patient, and it has none`);
  return { resourceType, alternatives };
}

/** Whether the stored row of this id lies within the restriction; undefined when there is no such row. */
export async function isStoredWithin(q: Queryable, restriction: Restriction, id: string, bases: readonly string[]): Promise<boolean | undefined> {
  const sql = new SqlParams();
  const idParam = sql.add(id);
  const condition = restrictionWhere(restriction, sql, bases);
  const { rows } = await q.query<{ ok: boolean }>(`select (${condition}) as ok from "${tableName(restriction.resourceType)}" where id = ${idParam}`, sql.values);
  return rows[0]?.ok;
}

/** Whether a body about to be stored (stored format) lies within the restriction. */
export async function isBodyWithin(q: Queryable, restriction: Restriction, id: string, resource: Record<string, unknown>, bases: readonly string[]): Promise<boolean> {
  const sql = new SqlParams();
  const idParam = sql.add(id);
  const resourceParam = sql.add(JSON.stringify(resource));
  const condition = restrictionWhere(restriction, sql, bases);
  const { rows } = await q.query<{ ok: boolean }>(`select (${condition}) as ok from (select ${idParam}::text as id, now() as ts, now() as cts, ${resourceParam}::jsonb as resource) as t`, sql.values);
  return rows[0]?.ok === true;
}

export type { Restriction } from '../search/parse-search-query';
