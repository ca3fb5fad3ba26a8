import { mediaTypeOf } from '../http/parse-body';
import { invalidRequest } from './oauth-error';

/**
 * The parameters of an OAuth request: a form-encoded body (RFC 6749 §4.x) or a JSON object, plus
 * the query string. RFC 6749 §3.1/§3.2: a parameter sent more than once is an invalid request.
 */
export function parseParams(raw: Buffer | undefined, contentType: string | undefined, query: URLSearchParams): Record<string, string> {
  const params: Record<string, string> = {};
  const add = (name: string, value: unknown) => {
    if (Object.hasOwn(params, name)) throw invalidRequest(`Parameter '${name}' is given more than once`);
    if (value === undefined || value === null) return;
    if (typeof value === 'object') throw invalidRequest(`Parameter '${name}' must be a string`);
    params[name] = String(value);
  };
  for (const [name, value] of query) add(name, value);
  if (!raw || raw.length === 0) return params;
  const mediaType = mediaTypeOf(contentType);
  const text = raw.toString('utf8');
  if (mediaType === 'application/x-www-form-urlencoded') {
    for (const [name, value] of new URLSearchParams(text)) add(name, value);
  } else if (mediaType === 'application/json' || mediaType === undefined) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw invalidRequest('The body is not valid JSON');
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('The JSON body must be an object');
    for (const [name, value] of Object.entries(body)) add(name, value);
  } else {
    throw invalidRequest(`Content-Type '${mediaType}' is not supported; send application/x-www-form-urlencoded or application/json`);
  }
  return params;
}
