/**
 * Replaces `urn:uuid:` references to other entries of the bundle with the resources they became
 * (FHIR bundle.html#references). In the FHIR format a reference is {"reference": "Type/id"}; in the
 * stored format {"id", "resourceType"}. Unknown urn:uuid references are left as they are.
 */
export type UrnMap = ReadonlyMap<string, { resourceType: string; id: string }>;

export function resolveUrnReferences(value: unknown, urns: UrnMap, style: 'fhir' | 'stored'): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveUrnReferences(item, urns, style));
  if (typeof value !== 'object' || value === null) return value;
  const object = value as Record<string, unknown>;
  const target = typeof object.reference === 'string' ? urns.get(object.reference) : undefined;
  const result: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(object)) result[key] = resolveUrnReferences(item, urns, style);
  if (!target) return result;
  if (style === 'fhir') return { ...result, reference: `${target.resourceType}/${target.id}` };
  const { reference: _urn, ...rest } = result;
  return { ...rest, resourceType: target.resourceType, id: target.id };
}

/** urn:uuid values in a request URL (e.g. a condition `Observation?subject=urn:uuid:…`). */
export function resolveUrnsInUrl(url: string, urns: UrnMap): string {
  return url.replace(/urn:uuid:[0-9a-fA-F-]{36}/g, (urn) => {
    const target = urns.get(urn);
    return target ? `${target.resourceType}/${target.id}` : urn;
  });
}
