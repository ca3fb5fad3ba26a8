import { badRequest } from '../errors/http-error';
import { sqlLiteral, toContainment, toJsonPath } from './json-path';
import { notSupported, type SearchTerm } from './parse-search-query';
import type { SearchPath } from './search-parameter';
import type { SqlParams } from './sql-params';
import { TOKEN_PAIRS } from './value-types';

interface Token {
  system?: string;
  code?: string;
  /** `|code`: the value must have no system. */
  noSystem: boolean;
}

/** `system|code`, `system|`, `|code` or `code` (FHIR search.html#token); `\|` escapes a bar. */
export function parseToken(raw: string): Token {
  const bar = raw.search(/(?<!\\)\|/);
  const unescape = (text: string) => text.replaceAll('\\|', '|');
  if (bar < 0) return { code: unescape(raw), noSystem: false };
  const system = raw.slice(0, bar);
  const code = raw.slice(bar + 1);
  return { system: system ? unescape(system) : undefined, code: code ? unescape(code) : undefined, noSystem: system === '' };
}

function leafFor(path: SearchPath, token: Token, name: string): unknown {
  const pair = TOKEN_PAIRS[path.valueType];
  if (pair) {
    const value: Record<string, unknown> = {};
    if (token.system !== undefined && pair.system) value[pair.system] = token.system;
    if (token.code !== undefined) value[pair.code] = token.code;
    if (!Object.keys(value).length) throw badRequest(`'${name}' needs a code`);
    return pair.coding ? { coding: [value] } : value;
  }
  if (token.code === undefined) throw badRequest(`'${name}' needs a code`);
  if (path.valueType === 'boolean') {
    if (token.code !== 'true' && token.code !== 'false') throw badRequest(`'${name}' must be true or false, got '${token.code}'`);
    return token.code === 'true';
  }
  return token.code;
}

/** `|code`: a code with no system, which containment cannot express; a jsonpath filter can. */
function noSystemCondition(path: SearchPath, token: Token, sql: SqlParams): string {
  const pair = TOKEN_PAIRS[path.valueType];
  if (!pair?.system) return `resource @> ${sql.add(JSON.stringify(toContainment(path.steps, token.code)))}::jsonb`;
  const element = toJsonPath(path, ...(pair.coding ? ['coding'] : []));
  const filter = `${element} ? (@.${JSON.stringify(pair.code)} == $v && !exists(@.${JSON.stringify(pair.system)}))`;
  return `jsonb_path_exists(resource, ${sqlLiteral(filter)}::jsonpath, jsonb_build_object('v', ${sql.add(token.code)}::text))`;
}

/** Token and uri parameters: exact matches through the table's GIN index (`resource @> doc`). */
export function tokenCondition(term: SearchTerm, sql: SqlParams): string {
  if (term.modifier && term.modifier !== 'not') throw notSupported(`The modifier ':${term.modifier}' is not supported on '${term.def.code}'`);
  const alternatives = term.values.flatMap((raw) => {
    const token = term.def.type === 'uri' ? { code: raw, noSystem: false } : parseToken(raw);
    return term.def.paths!.map((path) => {
      if (token.noSystem && token.code !== undefined) return noSystemCondition(path, token, sql);
      return `resource @> ${sql.add(JSON.stringify(toContainment(path.steps, leafFor(path, token, term.name))))}::jsonb`;
    });
  });
  const any = `(${alternatives.join(' or ')})`;
  return term.modifier === 'not' ? `not ${any}` : any;
}
