import { isSameFile, isSameIssue } from './is-same-issue.js';
import type { FindingsSource } from './parse-review-findings.js';
import type { ReviewFinding, ReviewSeverity } from './schema.js';

/** One reviewer's findings, as read from its output. */
export interface ReviewerFindings {
  /** The reviewer: the task id (`security`), which names its aspect. */
  readonly reviewer: string;
  readonly agentName: string;
  readonly findings: readonly ReviewFinding[];
  readonly problems: readonly string[];
  readonly source: FindingsSource;
}

/** A finding of the report: one issue, with every reviewer that reported it. */
export interface ConsolidatedFinding extends ReviewFinding {
  /** Reviewers that reported it, in the order they were given. */
  readonly reviewers: readonly string[];
}

/** How each reviewer was heard. */
export interface ReviewerCoverage {
  readonly reviewer: string;
  readonly agentName: string;
  /** Findings read from its output (before merging). */
  readonly findings: number;
  readonly source: FindingsSource;
  readonly problems: readonly string[];
}

/**
 * `changes-requested`: something is critical; `approve-with-fixes`: warnings only; `approve`:
 * nothing above a suggestion; `inconclusive`: nothing above a suggestion, but some reviewer's
 * output could not be read at all, so its silence is no approval.
 */
export type ReviewVerdict = 'changes-requested' | 'approve-with-fixes' | 'approve' | 'inconclusive';

/** The consolidated review. */
export interface ReviewReport {
  readonly verdict: ReviewVerdict;
  /** Findings per severity, after merging. */
  readonly counts: Readonly<Record<ReviewSeverity, number>>;
  /** Critical first, then warnings, suggestions, approvals; within one, by file then line. */
  readonly findings: readonly ConsolidatedFinding[];
  readonly reviewers: readonly ReviewerCoverage[];
  /** Findings folded into another as duplicates. */
  readonly duplicatesMerged: number;
}

const RANK: Readonly<Record<ReviewSeverity, number>> = { critical: 0, warning: 1, suggestion: 2, approval: 3 };

/**
 * Merges the findings of several reviewers into one report. Findings are taken most severe first
 * (then in reviewer order); each joins the first group holding a finding about the same issue
 * (`isSameIssue`: same kind, same file and nearby lines, similar titles), else starts one. A
 * group keeps its first (most severe) finding's severity, title and detail, the first
 * recommendation and category any member gives, the lines covering every member in that file,
 * and every reviewer that reported a member. Deterministic: the same inputs give the same report.
 */
export function consolidateFindings(inputs: readonly ReviewerFindings[]): ReviewReport {
  const entries = inputs.flatMap((input, reviewerIndex) => input.findings.map((finding, findingIndex) => ({ finding, reviewer: input.reviewer, reviewerIndex, findingIndex })));
  entries.sort((left, right) => RANK[left.finding.severity] - RANK[right.finding.severity] || left.reviewerIndex - right.reviewerIndex || left.findingIndex - right.findingIndex);
  const groups: (typeof entries)[] = [];
  for (const entry of entries) {
    const group = groups.find((members) => members.some((member) => isSameIssue(member.finding, entry.finding)));
    if (group === undefined) groups.push([entry]);
    else group.push(entry);
  }
  const findings = groups.map((members) => mergeGroup(members.map((member) => member.finding), members.map((member) => member.reviewerIndex), inputs));
  findings.sort(compareFindings);
  const counts = { critical: 0, warning: 0, suggestion: 0, approval: 0 } satisfies Record<ReviewSeverity, number>;
  for (const finding of findings) counts[finding.severity]++;
  const reviewers: ReviewerCoverage[] = inputs.map((input) => ({
    reviewer: input.reviewer,
    agentName: input.agentName,
    findings: input.findings.length,
    source: input.source,
    problems: [...input.problems],
  }));
  const isUnheard = reviewers.some((coverage) => coverage.source === 'none');
  const verdict: ReviewVerdict = counts.critical > 0 ? 'changes-requested' : counts.warning > 0 ? 'approve-with-fixes' : isUnheard || inputs.length === 0 ? 'inconclusive' : 'approve';
  return { verdict, counts, findings, reviewers, duplicatesMerged: entries.length - groups.length };
}

function mergeGroup(members: readonly ReviewFinding[], reviewerIndexes: readonly number[], inputs: readonly ReviewerFindings[]): ConsolidatedFinding {
  const first = members[0]!;
  const sameFile = first.file === undefined ? [] : members.filter((member) => member.file !== undefined && isSameFile(member.file, first.file!));
  // The shortest spelling of the file: `src/a.ts` rather than a reviewer's absolute `/repo/src/a.ts`.
  const file = first.file === undefined ? members.find((member) => member.file !== undefined)?.file : sameFile.map((member) => member.file!).reduce((best, path) => (path.length < best.length ? path : best));
  const lined = (first.file === undefined ? members.filter((member) => member.file === file) : sameFile).filter((member) => member.line !== undefined);
  const line = lined.length === 0 ? undefined : Math.min(...lined.map((member) => member.line!));
  const endLine = lined.length === 0 ? undefined : Math.max(...lined.map((member) => member.endLine ?? member.line!));
  const recommendation = first.recommendation ?? members.find((member) => member.recommendation !== undefined)?.recommendation;
  const category = first.category ?? members.find((member) => member.category !== undefined)?.category;
  const reviewers = [...new Set([...reviewerIndexes].sort((left, right) => left - right).map((index) => inputs[index]!.reviewer))];
  return {
    severity: first.severity,
    title: first.title,
    ...(file === undefined ? {} : { file }),
    ...(line === undefined ? {} : { line }),
    ...(line !== undefined && endLine !== undefined && endLine > line ? { endLine } : {}),
    detail: first.detail,
    ...(recommendation === undefined ? {} : { recommendation }),
    ...(category === undefined ? {} : { category }),
    reviewers,
  };
}

/** Severity, then findings with a file before those without, then file, line and title. */
function compareFindings(left: ConsolidatedFinding, right: ConsolidatedFinding): number {
  return (
    RANK[left.severity] - RANK[right.severity] ||
    Number(left.file === undefined) - Number(right.file === undefined) ||
    compareText(left.file ?? '', right.file ?? '') ||
    (left.line ?? 0) - (right.line ?? 0) ||
    compareText(left.title, right.title)
  );
}

// Code-point order, not the locale's, so the report is the same on every machine.
function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
