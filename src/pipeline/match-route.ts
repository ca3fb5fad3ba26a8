import { HttpError, notFound } from '../errors/http-error';
import type { ResourceRegistry } from '../schema/resource-registry';
import type { Route } from './route';

export interface MatchedRoute {
  route: Route;
  pathParams: Record<string, string>;
  resourceType?: string;
  id?: string;
  versionId?: string;
  /** A compartment search: whose compartment (resourceType is the searched type). */
  compartment?: { resourceType: string; id: string };
}

/** What a path matched, before the method is looked at: the kind of route decides how its errors look. */
export interface RouteMatcher {
  /** The route for this method and path; throws 404 (no such path) or 405 (with Allow). */
  match(method: string, segments: readonly string[], query: Record<string, string[]>): MatchedRoute;
  /** The kind of the routes at this path, when any: how an error at this path is rendered. */
  kindAt(segments: readonly string[]): Route['kind'] | undefined;
}

/** Literal segments weigh most, then `:type` (only a registered type matches), then any segment. */
function weigh(pattern: string): number {
  if (!pattern.startsWith(':')) return 2;
  return pattern === ':type' ? 1 : 0;
}

/**
 * Resolves a path against the route table, before any credential is checked or any body is read,
 * so that an unknown path or method costs nothing. The most specific pattern wins: `_history`
 * over `:id`, `Session` over `:type`. A method that the most specific pattern at this path does
 * not take is 405 with the methods it does take, even when a looser pattern would take it
 * (GET /Patient/_search is not a read of the id `_search`).
 */
export function createRouteMatcher(routes: readonly Route[], registry: ResourceRegistry): RouteMatcher {
  const byLength = new Map<number, Array<{ route: Route; weight: number }>>();
  for (const route of routes) {
    const weight = route.segments.reduce((sum, segment) => sum + weigh(segment), 0);
    const list = byLength.get(route.segments.length) ?? byLength.set(route.segments.length, []).get(route.segments.length)!;
    list.push({ route, weight });
  }

  const fits = (route: Route, segments: readonly string[]) =>
    route.segments.every((pattern, i) => (pattern.startsWith(':') ? pattern !== ':type' || registry.isResourceType(segments[i]) : pattern === segments[i]));

  function candidates(segments: readonly string[], query: Record<string, string[]>) {
    return (byLength.get(segments.length) ?? []).filter(({ route }) => fits(route, segments) && (!route.when || route.when({ query })));
  }

  function notFoundAt(segments: readonly string[]): HttpError {
    const rest = segments[0] === 'fhir' ? segments.slice(1) : segments;
    if (!rest.length) return notFound('No resource type in the path');
    if (!registry.isResourceType(rest[0])) return notFound(`Unknown resource type '${rest[0]}'`);
    return notFound(`No such path under ${rest[0]}`);
  }

  return {
    match(method, segments, query) {
      const found = candidates(segments, query);
      if (!found.length) throw notFoundAt(segments);
      const wanted = method === 'HEAD' ? 'GET' : method;
      // A guarded route (`when`) is a special case on top of the general one: it never makes a 405.
      const top = Math.max(...found.filter((entry) => !entry.route.when).map((entry) => entry.weight), 0);
      let best: { route: Route; weight: number } | undefined;
      for (const entry of found) if (entry.route.method === wanted && (!best || entry.weight > best.weight)) best = entry;
      if (!best || best.weight < top) {
        const allow = [...new Set(found.filter((entry) => entry.weight >= top).map((entry) => entry.route.method))].join(', ');
        throw new HttpError(405, 'not-supported', `${method} is not allowed on this path; allowed: ${allow}`, undefined, { allow });
      }
      const pathParams: Record<string, string> = {};
      best.route.segments.forEach((pattern, i) => {
        if (pattern.startsWith(':')) pathParams[pattern.slice(1)] = segments[i];
      });
      const { compartment } = best.route;
      if (compartment) return { route: best.route, pathParams, resourceType: pathParams.type, compartment: { resourceType: compartment, id: pathParams.id } };
      return { route: best.route, pathParams, resourceType: pathParams.type, id: pathParams.id, versionId: pathParams.vid };
    },
    kindAt(segments) {
      return candidates(segments, {})[0]?.route.kind;
    },
  };
}
