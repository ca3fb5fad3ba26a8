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

/** `/<Type>`: the body as stored, with id, resourceType and meta from the columns. */
export function storedFormat(base: string, hooks: ResourceHooks): ResourceFormat {
  return {
    name: 'stored',
    base,
    toStored: (body) => body,
    present(version: StoredVersion) {
      const { meta, ...rest } = withoutHidden(version.resource, hooks.hiddenFields.get(version.resourceType));
      return {
        resourceType: version.resourceType,
        id: version.id,
        meta: {
          ...(meta as Record<string, unknown> | undefined),
          versionId: String(version.txid),
          lastUpdated: version.ts.toISOString(),
          createdAt: version.cts.toISOString(),
        },
        ...rest,
      };
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
      const { meta, ...rest } = toFhirFormat({ ...body, resourceType: version.resourceType }, registry) as Record<string, unknown>;
      const storedMeta = (meta ?? {}) as Record<string, unknown>;
      const extensions = Array.isArray(storedMeta.extension) ? storedMeta.extension : [];
      return {
        ...rest,
        resourceType: version.resourceType,
        id: version.id,
        meta: {
          ...storedMeta,
          versionId: String(version.txid),
          lastUpdated: version.ts.toISOString(),
          extension: [...extensions, { url: CREATED_AT_EXTENSION, valueInstant: version.cts.toISOString() }],
        },
      };
    },
  };
}
