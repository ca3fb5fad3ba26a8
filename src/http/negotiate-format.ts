import YAML from 'yaml';
import { badRequest } from '../errors/http-error';

export type WireFormat = 'json' | 'yaml';

const FORMAT_PARAM: Record<string, WireFormat> = {
  json: 'json', 'application/json': 'json', 'application/fhir+json': 'json',
  yaml: 'yaml', 'text/yaml': 'yaml', 'application/yaml': 'yaml', 'application/x-yaml': 'yaml',
};

/** ?_format wins over Accept; YAML when the client asks for it, JSON otherwise. */
export function negotiateFormat(formatParam: string | undefined, accept: string | undefined): WireFormat {
  if (formatParam !== undefined) {
    const format = FORMAT_PARAM[formatParam.toLowerCase()];
    if (!format) throw badRequest(`_format must be json or yaml, got '${formatParam}'`);
    return format;
  }
  if (accept && /(text|application)\/(x-)?yaml/i.test(accept) && !/^\s*application\/(fhir\+)?json/i.test(accept)) return 'yaml';
  return 'json';
}

export function serialize(body: unknown, format: WireFormat, fhir: boolean): { contentType: string; text: string } {
  if (format === 'yaml') return { contentType: 'text/yaml; charset=utf-8', text: YAML.stringify(body, { aliasDuplicateObjects: false }) };
  return { contentType: fhir ? 'application/fhir+json; charset=utf-8' : 'application/json; charset=utf-8', text: JSON.stringify(body) };
}
