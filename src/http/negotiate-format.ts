import { toYaml } from './to-yaml';
import { badRequest, HttpError } from '../errors/http-error';

export type WireFormat = 'json' | 'yaml';

const FORMAT_PARAM: Record<string, WireFormat> = {
  json: 'json', 'application/json': 'json', 'application/fhir+json': 'json',
  yaml: 'yaml', 'text/yaml': 'yaml', 'application/yaml': 'yaml', 'application/x-yaml': 'yaml',
};

const SERVED: Record<WireFormat, readonly string[]> = {
  // application/json+fhir is the older FHIR name, still sent by some clients.
  json: ['application/fhir+json', 'application/json', 'application/json+fhir'],
  yaml: ['text/yaml', 'application/yaml', 'application/x-yaml'],
};

interface MediaRange {
  type: string;
  subtype: string;
  q: number;
}

/** An Accept header's ranges; a q that is not a valid weight counts as 1 (lenient). */
function parseAccept(accept: string): MediaRange[] {
  return accept.split(',').flatMap((part) => {
    const [media, ...params] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const [type, subtype = ''] = media.split('/');
    if (!type) return [];
    const weight = params.find((param) => param.startsWith('q='))?.slice(2);
    const q = weight !== undefined && /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(weight) ? Number(weight) : 1;
    return [{ type, subtype, q }];
  });
}

/**
 * How much the client wants one format (RFC 9110 §12.5.1): for each of its media types the most
 * specific range that covers it (the exact type, else its top-level type with any subtype, else
 * any type at all) gives the weight, and the position of that range breaks ties. Unmentioned is 0.
 */
function preference(ranges: readonly MediaRange[], mediaTypes: readonly string[]): { q: number; position: number } {
  let best = { q: 0, position: Infinity };
  for (const mediaType of mediaTypes) {
    const [type, subtype] = mediaType.split('/');
    let match: { specificity: number; q: number; position: number } | undefined;
    ranges.forEach((range, position) => {
      const specificity = range.type === type && range.subtype === subtype ? 3 : range.type === type && range.subtype === '*' ? 2 : range.type === '*' && range.subtype === '*' ? 1 : 0;
      if (specificity > (match?.specificity ?? 0)) match = { specificity, q: range.q, position };
    });
    if (match && (match.q > best.q || (match.q === best.q && match.position < best.position))) best = { q: match.q, position: match.position };
  }
  return best;
}

/**
 * ?_format wins over Accept. Otherwise the format the Accept header weighs more (JSON when it
 * weighs both alike, or when there is no Accept header). A header that takes neither
 * (application/fhir+xml alone) gets 406, as FHIR asks (http.html#mime-type), rather than a body
 * the client cannot read.
 */
export function negotiateFormat(formatParam: string | undefined, accept: string | undefined): WireFormat {
  if (formatParam !== undefined) {
    const format = FORMAT_PARAM[formatParam.toLowerCase()];
    if (!format) throw badRequest(`_format must be json or yaml, got '${formatParam}'`);
    return format;
  }
  const ranges = accept ? parseAccept(accept) : [];
  if (ranges.length === 0) return 'json';
  const json = preference(ranges, SERVED.json);
  const yaml = preference(ranges, SERVED.yaml);
  if (json.q === 0 && yaml.q === 0) {
    throw new HttpError(406, 'not-supported', `This server answers in JSON (application/fhir+json, application/json) or YAML (text/yaml), not ${accept!.slice(0, 100)}`);
  }
  return yaml.q > json.q || (yaml.q === json.q && yaml.position < json.position) ? 'yaml' : 'json';
}

const FHIR_JSON = ['application/fhir+json', 'application/json+fhir'];

/**
 * Whether a JSON answer on the FHIR paths is labelled application/json rather than
 * application/fhir+json: when the client names application/json (`_format=application/json`, or
 * an Accept header that weighs it above the FHIR JSON types, or names it first at equal weight).
 * Generic HTTP clients (axios, many SDKs) ask for it and check for it; the body is FHIR JSON
 * either way. `_format=json`, an Accept header that takes any type, and none at all get
 * application/fhir+json.
 */
export function prefersPlainJson(formatParam: string | undefined, accept: string | undefined): boolean {
  if (formatParam !== undefined) return formatParam.toLowerCase() === 'application/json';
  // Most requests never name it: those cost no parsing.
  if (accept === undefined || !accept.toLowerCase().includes('application/json')) return false;
  const ranges = parseAccept(accept);
  const plain = preference(ranges, ['application/json']);
  const fhir = preference(ranges, FHIR_JSON);
  return plain.q > 0 && (plain.q > fhir.q || (plain.q === fhir.q && plain.position < fhir.position));
}

/** `fhir`: label JSON as application/fhir+json (FHIR paths, unless the client prefers plain JSON). */
export function serialize(body: unknown, format: WireFormat, fhir: boolean): { contentType: string; text: string } {
  if (format === 'yaml') return { contentType: 'text/yaml; charset=utf-8', text: toYaml(body) };
  return { contentType: fhir ? 'application/fhir+json; charset=utf-8' : 'application/json; charset=utf-8', text: JSON.stringify(body) };
}
