import YAML from 'yaml';
import { badRequest, unsupportedMediaType } from '../errors/http-error';

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
 * Raw bytes → a value. No Content-Type is read as JSON. YAML uses the 1.2 core schema (no custom
 * tags, no implicit dates), so whatever it yields is plain JSON data.
 */
export function parseBody(raw: Buffer | undefined, contentType: string | undefined, acceptForm = false): unknown {
  if (!raw || raw.length === 0) return undefined;
  const mediaType = mediaTypeOf(contentType);
  const format = bodyFormatOf(mediaType);
  if (!format || (format === 'form' && !acceptForm)) {
    throw unsupportedMediaType(`Content-Type '${mediaType}' is not supported here; send application/json, application/fhir+json or text/yaml`);
  }
  const text = raw.toString('utf8');
  if (format === 'form') return Object.fromEntries(new URLSearchParams(text));
  if (format === 'json') {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw badRequest(`Malformed JSON: ${(error as Error).message}`);
    }
  }
  try {
    const documents = YAML.parseAllDocuments(text, { schema: 'core', uniqueKeys: true });
    if (!Array.isArray(documents) || documents.length !== 1) throw new Error('expected exactly one YAML document');
    const [document] = documents;
    if (document.errors.length) throw new Error(document.errors[0].message.split('\n')[0]);
    return document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw badRequest(`Malformed YAML: ${(error as Error).message.split('\n')[0]}`);
  }
}
