import type { ResourceRequest } from './interaction-context';

/** The request's query as URLSearchParams, without _format (which picks a wire format, not resources). */
export function searchQueryOf(req: ResourceRequest): URLSearchParams {
  const params = new URLSearchParams();
  for (const [name, values] of Object.entries(req.query)) if (name !== '_format') for (const value of values) params.append(name, value);
  return params;
}
