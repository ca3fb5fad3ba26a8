import { badRequest } from '../errors/http-error';

/** A bundle entry's request.url (relative, or absolute under the bundle's base) → decoded segments and query. */
export function splitEntryUrl(url: string, base: string): { segments: string[]; query: Record<string, string[]> } {
  let relative = url.startsWith(`${base}/`) ? url.slice(base.length + 1) : url;
  relative = relative.replace(/^\/+/, '');
  const mark = relative.indexOf('?');
  const path = mark < 0 ? relative : relative.slice(0, mark);
  const query: Record<string, string[]> = {};
  if (mark >= 0) for (const [name, value] of new URLSearchParams(relative.slice(mark + 1))) (query[name] ??= []).push(value);
  const segments = path.split('/').filter(Boolean).map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw badRequest(`'${url}' is not valid percent-encoding`);
    }
  });
  if (!segments.length) throw badRequest('A bundle entry cannot be another bundle');
  return { segments, query };
}
