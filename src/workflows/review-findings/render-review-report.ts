import type { ConsolidatedFinding, ReviewReport, ReviewVerdict } from './consolidate-findings.js';
import { REVIEW_SEVERITIES } from './schema.js';
import type { ReportFormat, ReviewSeverity } from './schema.js';

const GROUP_TITLES: Readonly<Record<ReviewSeverity, string>> = { critical: 'Critical', warning: 'Warnings', suggestion: 'Suggestions', approval: 'Approvals' };
const VERDICT_TITLES: Readonly<Record<ReviewVerdict, string>> = {
  'changes-requested': 'Changes requested',
  'approve-with-fixes': 'Approve with fixes',
  approve: 'Approve',
  inconclusive: 'Inconclusive',
};

/**
 * The report as the consolidation task's output. `markdown`: a verdict line, then `## Critical`,
 * `## Warnings`, `## Suggestions`, `## Approvals` (each finding with its place, reviewers, detail
 * and fix; `(none)` under an empty group), and `## Coverage` (how each reviewer was read). `json`:
 * the {@link ReviewReport} itself, indented, so a program reads the same fields the Markdown shows.
 */
export function renderReviewReport(report: ReviewReport, format: ReportFormat): string {
  return format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderMarkdown(report);
}

function renderMarkdown(report: ReviewReport): string {
  const lines: string[] = ['# Code review', '', `**Verdict: ${VERDICT_TITLES[report.verdict]}** — ${describeCounts(report)}.`];
  const unheard = report.reviewers.filter((coverage) => coverage.source === 'none').map((coverage) => coverage.reviewer);
  if (unheard.length > 0) lines.push('', `Not heard: ${unheard.join(', ')} (nothing in their output could be read; see Coverage).`);
  for (const severity of REVIEW_SEVERITIES) {
    const group = report.findings.filter((finding) => finding.severity === severity);
    lines.push('', `## ${GROUP_TITLES[severity]} (${group.length})`, '');
    if (group.length === 0) lines.push('(none)');
    group.forEach((finding, index) => lines.push(...renderFinding(finding, index + 1)));
  }
  lines.push('', '## Coverage', '');
  for (const coverage of report.reviewers) {
    const heard = coverage.source === 'none' ? 'nothing read' : `${coverage.findings} finding${coverage.findings === 1 ? '' : 's'} read from ${coverage.source === 'json' ? 'JSON' : 'Markdown'}`;
    lines.push(`- ${coverage.reviewer} (${coverage.agentName}): ${heard}`);
    for (const problem of coverage.problems) lines.push(`  - ${flatten(problem)}`);
  }
  if (report.reviewers.length === 0) lines.push('(no reviewers)');
  return `${lines.join('\n')}\n`;
}

function renderFinding(finding: ConsolidatedFinding, number: number): string[] {
  const place = describePlace(finding);
  const lines = [`${number}. **${flatten(finding.title)}**${place === undefined ? '' : ` — \`${place}\``} (${finding.reviewers.join(', ')})`];
  if (finding.detail !== finding.title) lines.push(...indent(finding.detail));
  if (finding.recommendation !== undefined) lines.push(...indent(`Fix: ${finding.recommendation}`));
  return lines;
}

/** `src/a.ts:42-48`, `src/a.ts:42`, `src/a.ts`, or undefined for a remark on the whole change. */
export function describePlace(finding: Pick<ConsolidatedFinding, 'file' | 'line' | 'endLine'>): string | undefined {
  if (finding.file === undefined) return undefined;
  if (finding.line === undefined) return finding.file;
  return finding.endLine === undefined ? `${finding.file}:${finding.line}` : `${finding.file}:${finding.line}-${finding.endLine}`;
}

function describeCounts(report: ReviewReport): string {
  const { counts } = report;
  const parts = [
    `${counts.critical} critical`,
    `${counts.warning} warning${counts.warning === 1 ? '' : 's'}`,
    `${counts.suggestion} suggestion${counts.suggestion === 1 ? '' : 's'}`,
    `${counts.approval} approval${counts.approval === 1 ? '' : 's'}`,
  ];
  const reviewers = `${report.reviewers.length} reviewer${report.reviewers.length === 1 ? '' : 's'}`;
  const merged = report.duplicatesMerged === 0 ? '' : `, ${report.duplicatesMerged} duplicate${report.duplicatesMerged === 1 ? '' : 's'} merged`;
  return `${parts.join(', ')} from ${reviewers}${merged}`;
}

/** Indents a text under a list item (three spaces: the width of `1. `), one line per line. */
function indent(text: string): string[] {
  return text
    .trim()
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : `   ${line.trimEnd()}`));
}

function flatten(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
