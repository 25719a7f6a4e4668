import type { ReviewFinding } from './schema.js';

/**
 * What a reviewer is asked at the structured final step of its loop, after it answered in prose:
 * its findings again, as one JSON object. The shape is spelled out for providers that only take
 * "some JSON" (OpenAI-compatible servers without schema support).
 */
export const REVIEW_FINDINGS_INSTRUCTION =
  'Now give every finding of your review as one JSON object, and nothing else: {"findings": [{"severity": "critical" | ' +
  '"warning" | "suggestion" | "approval", "title": "…", "file": "path" or null, "line": 42 or null, "endLine": 48 or null, ' +
  '"detail": "…", "recommendation": "…" or null, "category": "…" or null}]}. critical must be fixed before merging, ' +
  'warning should be fixed, suggestion is optional, approval is something done well. An empty list is a valid answer.';

/**
 * A reviewer task's output when its findings were read as structured data: `{"findings": [...]}`
 * (the stored shape: absent rather than null fields), with `problems` when some items could not be
 * taken. The consolidator reads it back as it reads any JSON answer.
 */
export function toFindingsOutput(findings: readonly ReviewFinding[], problems: readonly string[] = []): string {
  return JSON.stringify({ findings, ...(problems.length === 0 ? {} : { problems }) }, null, 2);
}
