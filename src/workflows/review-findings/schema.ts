import { z } from 'zod';

/** How much a finding matters, most first: the report's four groups in this order. */
export const REVIEW_SEVERITIES = ['critical', 'warning', 'suggestion', 'approval'] as const;
/** One of {@link REVIEW_SEVERITIES}. */
export type ReviewSeverity = (typeof REVIEW_SEVERITIES)[number];

/** The formats a consolidated review report is rendered in. */
export const REPORT_FORMATS = ['markdown', 'json'] as const;
/** One of {@link REPORT_FORMATS}. */
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/**
 * One finding of one reviewer, as stored: optional fields are absent rather than null. The
 * reviewer is not part of it: the consolidator takes it from the task that reported the finding.
 */
export const reviewFindingSchema = z.strictObject({
  severity: z.enum(REVIEW_SEVERITIES),
  title: z.string().min(1),
  /** Workspace-relative path, as the reviewer cited it. */
  file: z.string().min(1).optional(),
  /** 1-based. */
  line: z.int().positive().optional(),
  /** Last line of a range, after `line`. */
  endLine: z.int().positive().optional(),
  detail: z.string(),
  recommendation: z.string().min(1).optional(),
  category: z.string().min(1).optional(),
});

/** A reviewer's answer: its findings; `problems` lists what a tolerant reading could not take. */
export const reviewFindingsSchema = z.strictObject({
  findings: z.array(reviewFindingSchema),
  problems: z.array(z.string()).optional(),
});

export type ReviewFinding = z.infer<typeof reviewFindingSchema>;
export type ReviewFindings = z.infer<typeof reviewFindingsSchema>;

/**
 * The shape a model is asked to answer in (AI SDK structured output). Every field is required and
 * the optional ones are nullable because OpenAI's strict JSON schema mode accepts nothing else;
 * numbers carry no bounds, which some providers' schema subsets refuse. What comes back is read
 * by the tolerant reader, not by this schema.
 */
export const modelReviewFindingsSchema = z.strictObject({
  findings: z
    .array(
      z.strictObject({
        severity: z
          .enum(REVIEW_SEVERITIES)
          .describe('critical: must be fixed before merging; warning: should be fixed; suggestion: optional improvement; approval: something done well'),
        title: z.string().describe('The problem (or what is good) in a few words'),
        file: z.string().nullable().describe('Workspace-relative path of the file, null for a remark on the whole change'),
        line: z.number().nullable().describe('First line concerned, as the Read tool numbered it; null for a whole-file remark'),
        endLine: z.number().nullable().describe('Last line of a range; null for one line'),
        detail: z.string().describe('What is wrong and why it matters, or why it is good'),
        recommendation: z.string().nullable().describe('How to fix it; null for an approval'),
        category: z.string().nullable().describe('The aspect: correctness, security, performance, tests, …'),
      }),
    )
    .describe('Every finding of the review; empty when there is nothing to report'),
});
