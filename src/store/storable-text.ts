/**
 * Whether PostgreSQL can hold a string in text or jsonb: not with a NUL character, nor with half of
 * a UTF-16 surrogate pair (both can arrive spelled as JSON's \u escapes or as percent-encoding).
 * No stored id or value contains one, so a lookup by such a string finds nothing by definition.
 */
export function isStorableText(text: string): boolean {
  return !text.includes('\u0000') && text.isWellFormed();
}
