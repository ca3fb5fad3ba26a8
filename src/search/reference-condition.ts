import { badRequest } from '../errors/http-error';
import { toContainment } from './json-path';
import { notSupported, type SearchTerm } from './parse-search-query';
import type { SqlParams } from './sql-params';

const RELATIVE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/;
const ID = /^[A-Za-z0-9\-.]{1,64}$/;

interface Target {
  type?: string;
  id?: string;
  /** An absolute reference to another server, stored as `{reference}`. */
  url?: string;
}

/**
 * `Patient/1`, `1` (the type inferred when the parameter has one target), `subject:Patient=1`, or an
 * absolute URL: on this server's base it is the relative reference, elsewhere matched verbatim.
 */
function parseTarget(raw: string, term: SearchTerm, bases: readonly string[]): Target {
  const modifierType = term.modifier;
  let value = raw;
  for (const base of bases) if (value.startsWith(`${base}/`)) value = value.slice(base.length + 1);
  const relative = RELATIVE.exec(value);
  if (relative) {
    if (modifierType && modifierType !== relative[1]) throw badRequest(`'${term.name}=${raw}' names two different types`);
    return { type: relative[1], id: relative[2] };
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(value)) return { url: value };
  if (!ID.test(value)) throw badRequest(`'${raw}' is not a reference for '${term.name}': use Type/id or an id`);
  const targets = term.def.targets ?? [];
  return { type: modifierType ?? (targets.length === 1 ? targets[0] : undefined), id: value };
}

/** References are stored as {"id","resourceType"}; containment on that shape uses the GIN index. */
export function referenceCondition(term: SearchTerm, sql: SqlParams, bases: readonly string[]): string {
  if (term.modifier && !/^[A-Z][A-Za-z]+$/.test(term.modifier)) throw notSupported(`The modifier ':${term.modifier}' is not supported on '${term.def.code}'`);
  const alternatives = term.values.flatMap((raw) => {
    const target = parseTarget(raw, term, bases);
    return term.def.paths!.flatMap((path) => {
      if (path.valueType !== 'Reference') return [toContainment(path.steps, target.url ?? (target.type ? `${target.type}/${target.id}` : target.id))];
      if (target.url) return [toContainment(path.steps, { reference: target.url })];
      if (path.target && target.type && path.target !== target.type) return [];
      const type = target.type ?? path.target;
      return [toContainment(path.steps, type ? { id: target.id, resourceType: type } : { id: target.id })];
    });
  });
  if (!alternatives.length) return 'false';
  return `(${alternatives.map((doc) => `resource @> ${sql.add(JSON.stringify(doc))}::jsonb`).join(' or ')})`;
}
