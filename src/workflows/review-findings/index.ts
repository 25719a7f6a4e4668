/**
 * Review findings: the schema reviewers answer in, a tolerant reader of whatever they wrote, the
 * merge of several reviewers' findings into one report, and that report as Markdown or JSON.
 */
/** The severities in report order, the report formats, the stored finding shape, and the strict shape a model is asked for. */
export { REVIEW_SEVERITIES, REPORT_FORMATS, reviewFindingSchema, reviewFindingsSchema, modelReviewFindingsSchema } from './schema.js';
export type { ReviewSeverity, ReportFormat, ReviewFinding, ReviewFindings } from './schema.js';
/** Reads a reviewer's findings from any output (JSON blocks, bare JSON, Markdown conventions); never throws, lists what it could not read. */
export { parseReviewFindings } from './parse-review-findings.js';
export type { ParsedReview, FindingsSource } from './parse-review-findings.js';
/** Reads findings from an already parsed JSON value, tolerating other shapes and field names; undefined when it holds none. */
export { readReviewFindings } from './read-review-findings.js';
export type { FindingsReading } from './read-review-findings.js';
/** Merges several reviewers' findings: duplicates folded (see `isSameIssue`), sorted by severity, file and line, with a verdict. */
export { consolidateFindings } from './consolidate-findings.js';
export type { ReviewerFindings, ConsolidatedFinding, ReviewerCoverage, ReviewVerdict, ReviewReport } from './consolidate-findings.js';
/** The de-duplication rule, and its line slack and title similarity threshold. */
export { isSameIssue, LINE_SLACK, TITLE_SIMILARITY } from './is-same-issue.js';
/** The consolidated report as Markdown (for people) or JSON (for programs). */
export { renderReviewReport } from './render-review-report.js';
/** The built-in in-process agent that consolidates a review swarm (no model), and its name. */
export { findingsConsolidator, FINDINGS_CONSOLIDATOR } from './findings-consolidator.js';
/** What an `llm` reviewer is asked at its structured final step, and a reviewer task's findings JSON output. */
export { REVIEW_FINDINGS_INSTRUCTION, toFindingsOutput } from './to-findings-output.js';
