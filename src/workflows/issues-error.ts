import type { ErrorCode, InputIssue } from '../core/index.js';
import { EnsembleError } from '../core/index.js';

/** Renders one issue as its message line: `parameters.feature: required`. */
export function formatIssue(issue: InputIssue): string {
  return `${issue.path}: ${issue.message}`;
}

/**
 * One error carrying every problem found, a line per problem, so a user fixes them all in one
 * go; `details.issues` holds them as data for the HTTP API and the dashboard.
 */
export function createIssuesError(
  code: ErrorCode,
  issues: readonly InputIssue[],
  details: Readonly<Record<string, unknown>> = {},
): EnsembleError {
  return new EnsembleError(code, issues.map(formatIssue).join('\n'), { details: { ...details, issues } });
}
