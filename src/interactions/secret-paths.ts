import type { WriteHook } from './resource-hooks';

type Obj = Record<string, unknown>;
const isObject = (value: unknown): value is Obj => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A copy of resource without the given dotted paths (`client.secret`, `jwt.keys.k`); arrays on the
 * way are walked element by element. Only the objects on a removed path are copied.
 */
export function withoutPaths(resource: Obj, paths: readonly string[]): Obj {
  let out = resource;
  for (const path of paths) out = removePath(out, path.split('.')) as Obj;
  return out;
}

function removePath(value: unknown, [head, ...rest]: string[]): unknown {
  if (Array.isArray(value)) {
    let changed = false;
    const next = value.map((item) => {
      const updated = removePath(item, [head, ...rest]);
      changed ||= updated !== item;
      return updated;
    });
    return changed ? next : value;
  }
  if (!isObject(value) || !(head in value)) return value;
  if (rest.length === 0) {
    const { [head]: _removed, ...kept } = value;
    return kept;
  }
  const inner = removePath(value[head], rest);
  return inner === value[head] ? value : { ...value, [head]: inner };
}

function readPath(value: unknown, [head, ...rest]: string[]): unknown {
  if (!isObject(value)) return undefined;
  return rest.length === 0 ? value[head] : readPath(value[head], rest);
}

function writePath(value: Obj, [head, ...rest]: string[], secret: unknown): Obj {
  if (rest.length === 0) return { ...value, [head]: secret };
  const inner = value[head];
  if (Array.isArray(inner)) return value; // element secrets are kept by index below
  return isObject(inner) ? { ...value, [head]: writePath(inner, rest, secret) } : value;
}

/**
 * Secrets that are never presented cannot be sent back by a client that read, changed and PUT a
 * resource: when an update omits one, the stored value is kept. (Array elements are matched by
 * position: `jwt.keys.k` of key 2 comes from stored key 2.)
 */
export function keepOmittedSecrets(paths: readonly string[]): WriteHook {
  return {
    async beforeWrite(resource, { previous }) {
      if (!previous) return resource;
      let out = resource;
      for (const path of paths) {
        const segments = path.split('.');
        const arrayAt = segments.findIndex((_, i) => Array.isArray(readPath(out, segments.slice(0, i + 1))));
        if (arrayAt >= 0 && arrayAt < segments.length - 1) {
          const arrayPath = segments.slice(0, arrayAt + 1);
          const items = readPath(out, arrayPath) as unknown[];
          const stored = readPath(previous, arrayPath);
          if (!Array.isArray(stored)) continue;
          const rest = segments.slice(arrayAt + 1);
          const merged = items.map((item, i) =>
            isObject(item) && readPath(item, rest) === undefined && readPath(stored[i], rest) !== undefined ? writePath(item, rest, readPath(stored[i], rest)) : item,
          );
          out = writePath(out, arrayPath, merged);
          continue;
        }
        const kept = readPath(previous, segments);
        if (kept !== undefined && readPath(out, segments) === undefined) out = writePath(out, segments, kept);
      }
      return out;
    },
  };
}
