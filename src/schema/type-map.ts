/**
 * Shape of schemas/generated/types.json: which resource types exist and, for every
 * complex type / backbone element, the type of each of its fields.
 *
 * Field `type` is one of:
 * - a key of `complex` (a datatype such as `HumanName`, or a backbone path such as `Patient.contact`),
 * - `Reference` (also a key of `complex`, walked specially by the reference converter),
 * - `Resource` (a whole embedded resource, dispatched on its own `resourceType`),
 * - a primitive name (`string`, `date`, `id`, `Object`, ...), which holds no references.
 */
export type ResourceKind = 'fhir' | 'iam';

export interface FieldType {
  type: string;
  array: boolean;
}

export interface TypeMap {
  resourceTypes: Record<string, ResourceKind>;
  complex: Record<string, Record<string, FieldType>>;
}
