/** Reads one path of the request; undefined when any step is missing. */
export type RequestPath = (root: unknown) => unknown;

/**
 * Compiles `a.b.c` (segments split on `.`; `resource/type` is one key, a numeric segment indexes an
 * array) into a reader. Only own properties are read, so `constructor` or `__proto__` never reach
 * the prototype.
 */
export function compileRequestPath(path: string): RequestPath {
  const segments = path.split('.');
  if (segments.some((segment) => segment === '')) throw new Error(`'${path}' is not a path: use keys separated by dots, e.g. user.data.id`);
  const step = (current: unknown, key: string): unknown =>
    typeof current === 'object' && current !== null && Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined;
  if (segments.length === 1) {
    const [a] = segments;
    return (root) => step(root, a);
  }
  if (segments.length === 2) {
    const [a, b] = segments;
    return (root) => step(step(root, a), b);
  }
  return (root) => {
    let current = root;
    for (const segment of segments) {
      current = step(current, segment);
      if (current === undefined) return undefined;
    }
    return current;
  };
}
