import type { Route } from '../pipeline/route';

/** What a request matched no route with (404, 405, a CORS preflight). */
export const UNMATCHED = 'unmatched';

const patterns = new WeakMap<Route, string>();

/**
 * A route's path as its table writes it (`/fhir/:type/:id`): what logs and metrics name a request
 * by, so that no id or other value from the path reaches them, and labels stay a short fixed set.
 */
export function routePattern(route: Route | undefined): string {
  if (!route) return UNMATCHED;
  let pattern = patterns.get(route);
  if (pattern === undefined) {
    pattern = `/${route.segments.join('/')}`;
    patterns.set(route, pattern);
  }
  return pattern;
}
