import type { Compartment } from './compartment';
import { referenceCondition } from './reference-condition';
import type { SqlParams } from './sql-params';

/**
 * `GET Patient/123/Observation?…` is `Observation?…` restricted to the compartment: an OR of
 * `subject=Patient/123`, `performer=Patient/123`, … (FHIR compartmentdefinition.html), which the
 * caller's own parameters are ANDed with. Each alternative is the reference search itself, so the
 * GIN index answers it as it answers `?subject=Patient/123`.
 */
export function compartmentCondition(compartment: Compartment, sql: SqlParams, bases: readonly string[]): string {
  const value = `${compartment.resourceType}/${compartment.id}`;
  const alternatives = compartment.parameters.map((def) => referenceCondition({ name: def.code, def, values: [value] }, sql, bases));
  return `(${alternatives.join(' or ')})`;
}
