/**
 * Turns a translated search path into the two forms the SQL uses: a jsonpath text (lax mode, so
 * `[*]` also accepts a single object) and a containment document for `resource @> doc`, which the
 * table's GIN (jsonb_path_ops) index answers. Field names come from the registry, never a request.
 */
import type { PathStep, SearchPath } from './search-parameter';

const quote = (text: string) => JSON.stringify(text);

function filterOf(conditions: Record<string, string>): string {
  return Object.entries(conditions).map(([field, value]) => `@.${quote(field)} == ${quote(value)}`).join(' && ');
}

/** `$."telecom"[*] ? (@."system" == "phone")`; extra fields are appended after the path. */
export function toJsonPath(path: SearchPath, ...extra: string[]): string {
  let text = '$';
  path.steps.forEach((step, index) => {
    text += `.${quote(step.field)}${step.array ? '[*]' : ''}`;
    const where = { ...step.where, ...(index === path.steps.length - 1 && path.target ? { resourceType: path.target } : {}) };
    if (Object.keys(where).length) text += ` ? (${filterOf(where)})`;
  });
  for (const field of extra) text += `.${quote(field)}[*]`;
  return text;
}

/** The document `resource @> doc` tests: the leaf value wrapped in the path's objects and arrays. */
export function toContainment(steps: readonly PathStep[], leaf: unknown): Record<string, unknown> {
  let value = leaf;
  for (let index = steps.length - 1; index >= 0; index--) {
    const step = steps[index];
    if (step.where) value = { ...step.where, ...(value as Record<string, unknown>) };
    value = { [step.field]: step.array ? [value] : value };
  }
  return value as Record<string, unknown>;
}

/** A registry constant as a SQL literal (the registry holds no quotes; escaped anyway). */
export function sqlLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export function sqlTextArray(items: readonly string[]): string {
  return `${sqlLiteral(`{${items.map((item) => `"${item.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`)}::text[]`;
}
