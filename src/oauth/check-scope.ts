import { invalidScope } from './oauth-error';

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), separated by single spaces. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

export function parseScope(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  const tokens = raw.split(' ').filter(Boolean);
  for (const token of tokens) if (!SCOPE_TOKEN.test(token)) throw invalidScope(`'${token}' is not a valid scope token`);
  return [...new Set(tokens)];
}

/**
 * A client with `scope` may only ask for those scopes (plus `openid`, which asks for an id_token
 * and grants no access). A client without `scope` is not limited here: AccessPolicy decides.
 */
export function checkScope(requested: string[], client: Record<string, unknown>): void {
  if (!Array.isArray(client.scope)) return;
  const allowed = new Set<string>([...(client.scope as string[]), 'openid']);
  const refused = requested.filter((scope) => !allowed.has(scope));
  if (refused.length) throw invalidScope(`The client may not request scope ${refused.join(' ')}`);
}

/** On refresh, RFC 6749 §6: a narrower scope may be asked for, never a wider one. */
export function checkScopeWithin(requested: string[], granted: string[]): void {
  const refused = requested.filter((scope) => !granted.includes(scope));
  if (refused.length) throw invalidScope(`Scope ${refused.join(' ')} was not granted to this session`);
}
