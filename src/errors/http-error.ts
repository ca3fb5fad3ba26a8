/**
 * Every expected failure is thrown as an HttpError carrying its status and FHIR issue code;
 * one handler renders it (renderError in src/http/create-app.ts). Anything else is an unexpected 500.
 */
export type IssueCode =
  | 'invalid' | 'structure' | 'required' | 'value' | 'invariant'
  | 'security' | 'login' | 'unknown' | 'expired' | 'forbidden'
  | 'processing' | 'not-supported' | 'duplicate' | 'not-found' | 'deleted'
  | 'too-long' | 'conflict' | 'too-costly' | 'throttled' | 'timeout' | 'transient' | 'exception' | 'informational';

export interface OutcomeIssue {
  severity: 'fatal' | 'error' | 'warning' | 'information';
  code: IssueCode;
  diagnostics: string;
  expression?: string[];
}

export class HttpError extends Error {
  readonly issues: OutcomeIssue[];
  constructor(
    readonly status: number,
    code: IssueCode,
    diagnostics: string,
    issues?: OutcomeIssue[],
    readonly headers: Record<string, string> = {},
  ) {
    super(diagnostics);
    this.issues = issues ?? [{ severity: 'error', code, diagnostics }];
  }
}

export const badRequest = (message: string) => new HttpError(400, 'invalid', message);
export const notFound = (message: string) => new HttpError(404, 'not-found', message);
export const gone = (message: string) => new HttpError(410, 'deleted', message);
export const conflict = (message: string, code: IssueCode = 'conflict') => new HttpError(409, code, message);
export const preconditionFailed = (message: string) => new HttpError(412, 'conflict', message);
export const unsupportedMediaType = (message: string) => new HttpError(415, 'not-supported', message);

/** At most this many issues are listed in one 422; the rest are counted in a last issue. */
export const MAX_LISTED_ISSUES = 100;

export function unprocessable(issues: Array<{ expression: string; diagnostics: string }>): HttpError {
  const summary = issues.length === 1 ? issues[0].diagnostics : `${issues.length} problems found in the resource`;
  const listed: OutcomeIssue[] = issues
    .slice(0, MAX_LISTED_ISSUES)
    .map((issue) => ({ severity: 'error', code: 'invalid', diagnostics: issue.diagnostics, expression: [issue.expression] }));
  if (issues.length > MAX_LISTED_ISSUES) {
    listed.push({ severity: 'error', code: 'too-costly', diagnostics: `${issues.length - MAX_LISTED_ISSUES} more problems are not listed` });
  }
  return new HttpError(422, 'invalid', summary, listed);
}
