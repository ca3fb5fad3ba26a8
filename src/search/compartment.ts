import type { SearchParameterDef } from './search-parameter';

/** A compartment search's scope: resources that any of `parameters` links to `<resourceType>/<id>`. */
export interface Compartment {
  resourceType: string;
  id: string;
  /** From the generated CompartmentDefinition: reference parameters of the searched type. */
  parameters: readonly SearchParameterDef[];
}
