/**
 * JSON data → YAML 1.2 in block style, for responses. The yaml library's stringify builds a whole
 * document model first: a 1,000-resource search page (2 MB of YAML) held the event loop for 0.9 s.
 * This writes the text directly (0.1 s for that page), which is enough because a response is only
 * ever plain JSON data: objects, arrays, strings, finite numbers, booleans and null.
 *
 * A string is written plain only when it cannot be read back as anything else: it starts with a
 * letter, holds only letters, digits, spaces and `_ - . /`, and is not a word YAML 1.1 or 1.2
 * would read as a boolean or null (so older parsers read it back the same too). Everything else is
 * double-quoted with JSON's escapes, which are YAML's own, plus escapes for the few characters
 * YAML does not allow unescaped.
 */

const PLAIN = /^[A-Za-z][A-Za-z0-9_\-./]*(?: [A-Za-z0-9_\-./]+)*$/;
const RESERVED = new Set(['true', 'false', 'null', 'yes', 'no', 'on', 'off', 'y', 'n']);
// Outside YAML's printable set, a BOM (which a parser may take for the start of a stream), and the
// characters YAML 1.1 readers take for line breaks (NEL, LS, PS).
const UNPRINTABLE = /[\u007F-\u009F\u2028\u2029\uFEFF\uFFFE\uFFFF]/g;
/** Longer keys must be written as explicit keys (`? key`): parsers refuse implicit ones over 1024. */
const LONGEST_IMPLICIT_KEY = 1000;

function quoteString(text: string): string {
  if (PLAIN.test(text) && !RESERVED.has(text.toLowerCase())) return text;
  return JSON.stringify(text).replace(UNPRINTABLE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** As JSON.stringify sees a value: through its toJSON (a Date becomes its ISO string). */
function asJson(value: unknown): unknown {
  return typeof (value as { toJSON?: unknown } | null)?.toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value;
}

/** Whether JSON.stringify writes an object's field at all (`value` already through asJson). */
function isWritten(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function';
}

function scalar(value: unknown): string | undefined {
  // undefined inside an array is null, as in JSON.
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return quoteString(value);
  // 1e+21 is a float to YAML 1.2, but YAML 1.1 readers want a dot in it: 1.0e+21.
  if (typeof value === 'number') return Number.isFinite(value) ? String(value).replace(/^(-?\d+)e/, '$1.0e') : 'null';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.length === 0) return '[]';
  // An object with nothing JSON would write (all fields undefined, say) is an empty one.
  if (typeof value === 'object' && !Object.values(value as object).some((field) => isWritten(asJson(field)))) return '{}';
  return undefined;
}

/** Lines of a non-empty object or array, each indented by `indent` spaces. */
function block(value: object, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  if (Array.isArray(value)) {
    for (const raw of value) {
      const item = asJson(raw);
      // What JSON would leave out of an object is null in an array.
      const inline = isWritten(item) ? scalar(item) : 'null';
      if (inline !== undefined) {
        out.push(`${pad}- ${inline}`);
        continue;
      }
      // The item's own block, its first line moved up beside the dash ("- key: value").
      const start = out.length;
      block(item as object, indent + 2, out);
      out[start] = `${pad}- ${out[start].slice(indent + 2)}`;
    }
    return;
  }
  for (const [key, raw] of Object.entries(value)) {
    const item = asJson(raw);
    if (!isWritten(item)) continue;
    const inline = scalar(item);
    const name = quoteString(key);
    const explicit = name.length > LONGEST_IMPLICIT_KEY;
    if (explicit) out.push(`${pad}? ${name}`);
    const head = explicit ? `${pad}:` : `${pad}${name}:`;
    if (inline !== undefined) out.push(`${head} ${inline}`);
    else {
      out.push(head);
      block(item as object, indent + 2, out);
    }
  }
}

export function toYaml(data: unknown): string {
  const value = asJson(data);
  const inline = scalar(value);
  if (inline !== undefined) return `${inline}\n`;
  const out: string[] = [];
  block(value as object, 0, out);
  return `${out.join('\n')}\n`;
}
