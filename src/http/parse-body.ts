import { badRequest, HttpError, unsupportedMediaType } from '../errors/http-error';
import { isStorableText } from '../store/storable-text';
import { parseYaml } from './parse-yaml';

export type BodyFormat = 'json' | 'yaml' | 'form';

export function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';')[0].trim().toLowerCase() || undefined;
}

const YAML_TYPES = new Set(['text/yaml', 'application/yaml', 'application/x-yaml', 'text/x-yaml']);

export function bodyFormatOf(mediaType: string | undefined): BodyFormat | undefined {
  if (mediaType === undefined || mediaType === 'application/json' || mediaType.endsWith('+json')) return 'json';
  if (YAML_TYPES.has(mediaType)) return 'yaml';
  if (mediaType === 'application/x-www-form-urlencoded') return 'form';
  return undefined;
}

/**
 * How deeply a body may nest objects and arrays. A FHIR resource rarely goes past 30 (a
 * QuestionnaireResponse's items inside items); every part of the server that walks a resource
 * (validation, reference conversion, policies) recurses, so a body nested thousands deep would
 * exhaust the stack. Refused before anything walks it.
 */
export const MAX_BODY_DEPTH = 200;
/**
 * How many fields one object may have. No FHIR or IAM type has a tenth of that; a body with
 * hundreds of thousands of unknown fields would only cost seconds of validation to refuse.
 */
export const MAX_OBJECT_FIELDS = 1000;

/**
 * Why a parsed body is refused before anything walks it, or undefined. Checked iteratively: too
 * deep, too wide, a string that cannot be stored, or a number JSON cannot carry (1e400 parses as
 * Infinity, which would be stored as null).
 */
export function bodyShapeProblem(value: unknown): { code: 'invalid' | 'too-costly'; message: string } | undefined {
  const costly = (message: string) => ({ code: 'too-costly' as const, message });
  const invalid = (message: string) => ({ code: 'invalid' as const, message });
  const stack: unknown[] = [value];
  const depths: number[] = [0];
  while (stack.length) {
    const item = stack.pop();
    const depth = depths.pop()!;
    if (typeof item === 'string') {
      if (!isStorableText(item)) return invalid('The body holds a string with a NUL character (\\u0000) or an unpaired surrogate, which cannot be stored');
      continue;
    }
    if (typeof item === 'number') {
      if (!Number.isFinite(item)) return invalid('The body holds a number too large to represent (or NaN)');
      continue;
    }
    if (item === null || typeof item !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) return costly(`The body nests objects and arrays more than ${MAX_BODY_DEPTH} levels deep`);
    let children: unknown[];
    if (Array.isArray(item)) children = item;
    else {
      const keys = Object.keys(item);
      if (keys.length > MAX_OBJECT_FIELDS) return costly(`An object in the body has more than ${MAX_OBJECT_FIELDS} fields`);
      if (!keys.every(isStorableText)) return invalid('The body holds a field name with a NUL character (\\u0000) or an unpaired surrogate, which cannot be stored');
      children = keys.map((key) => (item as Record<string, unknown>)[key]);
    }
    for (const child of children) {
      stack.push(child);
      depths.push(depth + 1);
    }
  }
  return undefined;
}

function checkShape(value: unknown): unknown {
  const problem = bodyShapeProblem(value);
  if (problem) throw new HttpError(400, problem.code, problem.message);
  return value;
}

/**
 * Raw bytes → a value. No Content-Type is read as JSON. YAML is parsed off the event loop, within
 * limits (parse-yaml.ts), with the 1.2 core schema (no custom tags, no implicit dates), so whatever
 * it yields is plain JSON data. Either way a body too deep or too wide is refused (400). `caller`
 * names who sent it, for the YAML worker's per-caller limit.
 */
export async function parseBody(raw: Buffer | undefined, contentType: string | undefined, acceptForm = false, caller = ''): Promise<unknown> {
  if (!raw || raw.length === 0) return undefined;
  const mediaType = mediaTypeOf(contentType);
  const format = bodyFormatOf(mediaType);
  if (!format || (format === 'form' && !acceptForm)) {
    throw unsupportedMediaType(`Content-Type '${mediaType}' is not supported here; send application/json, application/fhir+json or text/yaml`);
  }
  const text = raw.toString('utf8');
  if (format === 'form') return Object.fromEntries(new URLSearchParams(text));
  if (format === 'json') {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw badRequest(`Malformed JSON: ${(error as Error).message}`);
    }
    return checkShape(value);
  }
  return checkShape(await parseYaml(text, MAX_BODY_DEPTH, caller));
}
