import { invalidRequest } from './oauth-error';

/** An entry starting with `#` is a regular expression matched against the whole audience. */
function matches(entry: string, audience: string): boolean {
  if (!entry.startsWith('#')) return entry === audience;
  try {
    return new RegExp(`^(?:${entry.slice(1)})$`).test(audience);
  } catch {
    return false;
  }
}

/**
 * The audience a client asks for must be one `auth.<grant>.audience` allows (the reference's plain
 * or `#regex` entries). A client without the setting cannot ask for an audience.
 */
export function checkAudience(requested: string | undefined, allowed: string[] | undefined): void {
  if (requested === undefined) return;
  if (!allowed?.some((entry) => matches(entry, requested))) throw invalidRequest(`Audience '${requested}' is not allowed for this client`);
}
