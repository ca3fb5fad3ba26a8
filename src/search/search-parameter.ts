/**
 * Shape of schemas/generated/search/search-parameters.json: every search parameter of every resource type,
 * its FHIRPath expression already translated into JSON paths over the stored resource. A parameter
 * whose expression could not be translated carries `unsupported` and answers 400, never a guess.
 */
export type SearchParamType = 'string' | 'token' | 'reference' | 'date' | 'uri' | 'number' | 'quantity' | 'composite' | 'special';

export interface PathStep {
  field: string;
  array: boolean;
  /** `.where(system='phone')`: the element must also have these field values. */
  where?: Record<string, string>;
}

export interface SearchPath {
  steps: PathStep[];
  /** The element type at the end of the path: a primitive (code, date, ...) or a datatype (HumanName, Reference, ...). */
  valueType: string;
  /** `.where(resolve() is Patient)`: only references to this type. */
  target?: string;
}

export interface SearchParameterDef {
  code: string;
  type: SearchParamType;
  expression: string;
  description?: string;
  /** Reference parameters: the resource types they may point to. */
  targets?: string[];
  paths?: SearchPath[];
  /** Why the parameter answers 400 instead of searching. */
  unsupported?: string;
}

/** resourceType → code → definition */
export type SearchParameterMap = Record<string, Record<string, SearchParameterDef>>;
