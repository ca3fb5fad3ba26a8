import { HttpError } from '../errors/http-error';

/** Collects bound values and hands out their placeholders: a search term never enters the SQL text. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    // PostgreSQL's protocol carries at most 65,535 bound values in one statement.
    if (this.values.length >= 65_535) throw new HttpError(400, 'too-costly', 'The search is too large for one statement');
    this.values.push(value);
    return `$${this.values.length}`;
  }
}
