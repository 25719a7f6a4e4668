import { describe, expect, it } from 'vitest';
import { consolidateFindings } from './consolidate-findings.js';
import type { ReviewerFindings } from './consolidate-findings.js';
import { isSameIssue } from './is-same-issue.js';
import type { ReviewFinding } from './schema.js';

function reviewer(name: string, findings: readonly ReviewFinding[], source: ReviewerFindings['source'] = 'json'): ReviewerFindings {
  return { reviewer: name, agentName: `${name}-agent`, findings, problems: [], source };
}

const sqlInjection: ReviewFinding = {
  severity: 'warning',
  title: 'SQL injection in findUser',
  file: 'src/db/users.ts',
  line: 42,
  detail: 'The id is concatenated into the query.',
};

describe('consolidateFindings (issue 8)', () => {
  it('merges the same issue reported by several reviewers, keeping the highest severity and every reviewer', () => {
    const report = consolidateFindings([
      reviewer('correctness', [sqlInjection]),
      reviewer('security', [
        { severity: 'critical', title: 'Possible SQL injection via string concatenation in findUser query', file: '/repo/src/db/users.ts', line: 44, endLine: 46, detail: 'Exploitable with a crafted id.', recommendation: 'Use a parameterised query.' },
      ]),
      reviewer('maintainability', [{ ...sqlInjection, severity: 'suggestion', title: 'SQL injection risk in findUser', line: 40, category: 'security' }]),
    ]);
    expect(report.findings).toEqual([
      {
        severity: 'critical',
        title: 'Possible SQL injection via string concatenation in findUser query',
        file: 'src/db/users.ts',
        line: 40,
        endLine: 46,
        detail: 'Exploitable with a crafted id.',
        recommendation: 'Use a parameterised query.',
        category: 'security',
        reviewers: ['correctness', 'security', 'maintainability'],
      },
    ]);
    expect(report.duplicatesMerged).toBe(2);
    expect(report.counts).toEqual({ critical: 1, warning: 0, suggestion: 0, approval: 0 });
    expect(report.verdict).toBe('changes-requested');
  });

  it('keeps apart different titles, far lines, other files, and praise beside a complaint', () => {
    const base = sqlInjection;
    expect(isSameIssue(base, { ...base, title: 'Missing test for findUser', line: 42 })).toBe(false);
    expect(isSameIssue(base, { ...base, line: 42 + 4 })).toBe(false);
    expect(isSameIssue(base, { ...base, line: 42 + 3 })).toBe(true);
    expect(isSameIssue(base, { ...base, file: 'src/db/orders.ts' })).toBe(false);
    expect(isSameIssue(base, { ...base, severity: 'approval' })).toBe(false);
    // Without a line, the file decides; without a file, only another file-less finding matches.
    expect(isSameIssue(base, { severity: 'critical', title: 'SQL injections in findUser', file: './src/db/users.ts', detail: '' })).toBe(true);
    const { file: _file, line: _line, ...general } = base;
    expect(isSameIssue(base, general)).toBe(false);
    expect(isSameIssue(general, { ...general, title: 'SQL injection in findUser!' })).toBe(true);
  });

  it('orders critical, warnings, suggestions, approvals, then by file and line, file-less last', () => {
    const report = consolidateFindings([
      reviewer('a', [
        { severity: 'approval', title: 'Clear names', file: 'src/b.ts', detail: '' },
        { severity: 'suggestion', title: 'Inline the helper', file: 'src/b.ts', line: 9, detail: '' },
        { severity: 'warning', title: 'No timeout on fetch', detail: '' },
        { severity: 'warning', title: 'Unbounded cache', file: 'src/z.ts', line: 1, detail: '' },
      ]),
      reviewer('b', [
        { severity: 'warning', title: 'Swallowed error', file: 'src/a.ts', line: 30, detail: '' },
        { severity: 'warning', title: 'Off by one', file: 'src/a.ts', line: 7, detail: '' },
        { severity: 'critical', title: 'Data loss on retry', file: 'src/q.ts', line: 3, detail: '' },
      ]),
    ]);
    expect(report.findings.map((finding) => [finding.severity, finding.title, finding.reviewers.join(',')])).toEqual([
      ['critical', 'Data loss on retry', 'b'],
      ['warning', 'Off by one', 'b'],
      ['warning', 'Swallowed error', 'b'],
      ['warning', 'Unbounded cache', 'a'],
      ['warning', 'No timeout on fetch', 'a'],
      ['suggestion', 'Inline the helper', 'a'],
      ['approval', 'Clear names', 'a'],
    ]);
    expect(report.duplicatesMerged).toBe(0);
  });

  it('derives the verdict, and is inconclusive when a reviewer could not be read', () => {
    const warning: ReviewFinding = { severity: 'warning', title: 'w', detail: '' };
    const suggestion: ReviewFinding = { severity: 'suggestion', title: 's', detail: '' };
    expect(consolidateFindings([reviewer('a', [warning])]).verdict).toBe('approve-with-fixes');
    expect(consolidateFindings([reviewer('a', [suggestion])]).verdict).toBe('approve');
    expect(consolidateFindings([reviewer('a', [suggestion]), reviewer('b', [], 'none')]).verdict).toBe('inconclusive');
    expect(consolidateFindings([reviewer('a', [warning]), reviewer('b', [], 'none')]).verdict).toBe('approve-with-fixes');
    expect(consolidateFindings([]).verdict).toBe('inconclusive');
  });

  it('is deterministic: the same inputs in the same order give the same report', () => {
    const inputs = [reviewer('x', [sqlInjection, { ...sqlInjection, title: 'Other', line: 90 }]), reviewer('y', [{ ...sqlInjection, line: 43 }])];
    expect(JSON.stringify(consolidateFindings(inputs))).toBe(JSON.stringify(consolidateFindings(inputs)));
  });
});
