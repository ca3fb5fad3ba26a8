import type { OutcomeIssue } from './http-error';

export interface OperationOutcome {
  resourceType: 'OperationOutcome';
  id?: string;
  issue: OutcomeIssue[];
}

export function toOperationOutcome(issues: OutcomeIssue[], id?: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', ...(id ? { id } : {}), issue: issues };
}
