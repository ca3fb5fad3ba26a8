import type { ResourceRegistry } from '../schema/resource-registry';
import { toFhirFormat, toStoredFormat } from '../schema/convert-references';
import type { StoredVersion } from '../store/resource-store';
import type { ResourceFormat } from './interaction-context';
import type { ResourceHooks } from './resource-hooks';
import { withoutPaths } from './secret-paths';
import { CREATED_AT_EXTENSION } from './prepare-resource';

function withoutHidden(resource: Record<string, unknown>, hidden: readonly string[] | undefined): Record<string, unknown> {
  return hidden ? withoutPaths(resource, hidden) : resource;
}

/**
 * The wire object: resourceType, id and meta first, as FHIR's own JSON orders them, then the
 * resource's fields. The columns win over a stray `id` or `resourceType` inside the JSONB (an
 * operator's SQL may have written one).
 */
function assemble(version: StoredVersion, meta: Record<string, unknown>, fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { resourceType: version.resourceType, id: version.id, meta };
  for (const key of Object.keys(fields)) {
    if (key === 'resourceType' || key === 'id' || key === 'meta') continue;
    // A plain assignment to '__proto__' would set the prototype, not a field (only SQL can store one).
    if (key === '__proto__') Object.defineProperty(out, key, { value: fields[key], enumerable: true, writable: true, configurable: true });
    else out[key] = fields[key];
  }
  return out;
}

/** `/<Type>`: the body as stored, with id, resourceType and meta from the columns. */
export function storedFormat(base: string, hooks: ResourceHooks): ResourceFormat {
  return {
    name: 'stored',
    base,
    toStored: (body) => body,
    present(version: StoredVersion) {
      const body = withoutHidden(version.resource, hooks.hiddenFields.get(version.resourceType));
      const meta = {
        ...(body.meta as Record<string, unknown> | undefined),
        versionId: String(version.txid),
        lastUpdated: version.ts.toISOString(),
        createdAt: version.cts.toISOString(),
      };
      return assemble(version, meta, body);
    },
  };
}

/** `/fhir/*`: FHIR references, and the creation time as an extension on meta. */
export function fhirFormat(base: string, hooks: ResourceHooks, registry: ResourceRegistry): ResourceFormat {
  return {
    name: 'fhir',
    base,
    toStored: (body) => toStoredFormat(body, registry) as Record<string, unknown>,
    present(version: StoredVersion) {
      const body = withoutHidden(version.resource, hooks.hiddenFields.get(version.resourceType));
      const converted = toFhirFormat({ ...body, resourceType: version.resourceType }, registry) as Record<string, unknown>;
      const storedMeta = (converted.meta ?? {}) as Record<string, unknown>;
      const extensions = Array.isArray(storedMeta.extension) ? storedMeta.extension : [];
      const meta = {
        ...storedMeta,
        versionId: String(version.txid),
        lastUpdated: version.ts.toISOString(),
        extension: [...extensions, { url: CREATED_AT_EXTENSION, valueInstant: version.cts.toISOString() }],
      };
      return assemble(version, meta, converted);
    },
  };
}
