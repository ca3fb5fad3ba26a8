/**
 * Which element types each kind of search parameter can look at, and where the searchable values
 * sit inside a datatype. A path ending in any other type makes its parameter unsupported (400).
 */
import type { SearchParamType } from './search-parameter';

/** String search over a datatype looks at these of its parts (FHIR search.html#string). */
export const STRING_PARTS: Record<string, string[]> = {
  HumanName: ['family', 'given', 'text', 'prefix', 'suffix'],
  Address: ['line', 'city', 'district', 'state', 'postalCode', 'country', 'text'],
  ContactPoint: ['value'],
  CodeableConcept: ['text'],
  Coding: ['display'],
};

const TEXT_PRIMITIVES = ['string', 'markdown', 'code', 'uri', 'url', 'canonical', 'id', 'uuid', 'oid', 'email'];
export const DATE_TYPES = ['date', 'dateTime', 'instant', 'Period', 'Timing'];
export const NUMBER_TYPES = ['decimal', 'integer', 'positiveInt', 'unsignedInt'];
/** Token search: the system|code pair of each datatype; a primitive is a code without a system. */
export const TOKEN_PAIRS: Record<string, { system?: string; code: string; coding?: boolean }> = {
  Identifier: { system: 'system', code: 'value' },
  Coding: { system: 'system', code: 'code' },
  CodeableConcept: { system: 'system', code: 'code', coding: true },
  ContactPoint: { code: 'value' },
};

const SUPPORTED: Record<SearchParamType, readonly string[]> = {
  string: [...TEXT_PRIMITIVES, ...Object.keys(STRING_PARTS)],
  token: [...TEXT_PRIMITIVES, 'boolean', ...Object.keys(TOKEN_PAIRS)],
  reference: ['Reference', 'canonical', 'uri'],
  date: DATE_TYPES,
  uri: ['uri', 'url', 'canonical', 'oid', 'uuid', 'string'],
  number: NUMBER_TYPES,
  quantity: [],
  composite: [],
  special: [],
};

export function isSearchableType(paramType: SearchParamType, valueType: string): boolean {
  return SUPPORTED[paramType].includes(valueType);
}
