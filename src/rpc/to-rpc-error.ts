import type { HttpError, IssueCode } from '../errors/http-error';

export interface RpcErrorBody {
  error: {
    /** The FHIR issue code of the error: not-found, invalid, forbidden, login, too-costly, … */
    code: IssueCode;
    message: string;
    /** For 422: each problem with where it is (`params.policy`). */
    issues?: Array<{ expression?: string; message: string }>;
  };
}

/** A typed error as an rpc answer: the same status and code, in `{error}` instead of an OperationOutcome. */
export function toRpcError(error: HttpError): RpcErrorBody {
  const [first] = error.issues;
  const located = error.issues.some((issue) => issue.expression?.length);
  const issues = error.issues.map((issue) => ({ ...(issue.expression?.length ? { expression: issue.expression.join(', ') } : {}), message: issue.diagnostics }));
  return { error: { code: first?.code ?? 'exception', message: error.message, ...(located ? { issues } : {}) } };
}
