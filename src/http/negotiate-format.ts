import { toYaml } from './to-yaml';
import { badRequest, HttpError } from '../errors/http-error';

export type WireFormat = 'json' | 'yaml';

const FORMAT_PARAM: Record<string, WireFormat> = {
  json: 'json', 'application/json': 'json', 'application/fhir+json': 'json',
  yaml: 'yaml', 'text/yaml': 'yaml', 'application/yaml': 'yaml', 'application/x-yaml': 'yaml',
};

/** Whether an Accept header takes JSON: a JSON type or a wildcard over one, not refused with q=0. */
function acceptsJson(accept: string): boolean {
  return accept.split(',').some((range) => {
    const [type, ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const q = params.find((param) => param.startsWith('q='));
    if (q !== undefined && Number(q.slice(2)) === 0) return false;
    // application/json+fhir is the older FHIR name, still sent by some clients.
    return type === '' || type === '*/*' || type === 'application/*' || type === 'application/json' || type.endsWith('+json') || type === 'application/json+fhir';
  });
}

/**
 * ?_format wins over Accept; YAML when the client asks for it, JSON otherwise. An Accept header
 * that takes neither (application/fhir+xml alone) gets 406, as FHIR asks (http.html#mime-type),
 * rather than a body the client cannot read.
 */
export function negotiateFormat(formatParam: string | undefined, accept: string | undefined): WireFormat {
  if (formatParam !== undefined) {
    const format = FORMAT_PARAM[formatParam.toLowerCase()];
    if (!format) throw badRequest(`_format must be json or yaml, got '${formatParam}'`);
    return format;
  }
  if (accept && /(text|application)\/(x-)?yaml/i.test(accept) && !/^\s*application\/(fhir\+)?json/i.test(accept)) return 'yaml';
  if (accept && accept.trim() && !acceptsJson(accept)) {
    throw new HttpError(406, 'not-supported', `This server answers in JSON (application/fhir+json, application/json) or YAML (text/yaml), not ${accept.slice(0, 100)}`);
  }
  return 'json';
}

export function serialize(body: unknown, format: WireFormat, fhir: boolean): { contentType: string; text: string } {
  if (format === 'yaml') return { contentType: 'text/yaml; charset=utf-8', text: toYaml(body) };
  return { contentType: fhir ? 'application/fhir+json; charset=utf-8' : 'application/json; charset=utf-8', text: JSON.stringify(body) };
}
