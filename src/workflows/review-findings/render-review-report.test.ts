import { describe, expect, it } from 'vitest';
import { consolidateFindings } from './consolidate-findings.js';
import type { ReviewReport } from './consolidate-findings.js';
import { renderReviewReport } from './render-review-report.js';

const report: ReviewReport = consolidateFindings([
  {
    reviewer: 'security',
    agentName: 'security-auditor',
    source: 'json',
    problems: [],
    findings: [
      { severity: 'critical', title: 'SQL injection in findUser', file: 'src/db/users.ts', line: 42, endLine: 44, detail: 'The id is concatenated\ninto the query.', recommendation: 'Use a parameterised query.', category: 'security' },
      { severity: 'approval', title: 'Secrets come from the environment', detail: 'Secrets come from the environment' },
    ],
  },
  {
    reviewer: 'correctness',
    agentName: 'code-reviewer',
    source: 'markdown',
    problems: ['findings[1]: no severity'],
    findings: [{ severity: 'critical', title: 'SQL injection', file: 'src/db/users.ts', line: 43, detail: 'Unsafe query.' }],
  },
  { reviewer: 'tests', agentName: 'test-automator', source: 'none', problems: ['no findings could be read: …'], findings: [] },
]);

describe('renderReviewReport (issue 8)', () => {
  it('renders Markdown: verdict, the four groups with reviewers, place, detail and fix, then coverage', () => {
    expect(renderReviewReport(report, 'markdown')).toBe(
      [
        '# Code review',
        '',
        '**Verdict: Changes requested** — 1 critical, 0 warnings, 0 suggestions, 1 approval from 3 reviewers, 1 duplicate merged.',
        '',
        'Not heard: tests (nothing in their output could be read; see Coverage).',
        '',
        '## Critical (1)',
        '',
        '1. **SQL injection in findUser** — `src/db/users.ts:42-44` (security, correctness)',
        '   The id is concatenated',
        '   into the query.',
        '   Fix: Use a parameterised query.',
        '',
        '## Warnings (0)',
        '',
        '(none)',
        '',
        '## Suggestions (0)',
        '',
        '(none)',
        '',
        '## Approvals (1)',
        '',
        '1. **Secrets come from the environment** (security)',
        '',
        '## Coverage',
        '',
        '- security (security-auditor): 2 findings read from JSON',
        '- correctness (code-reviewer): 1 finding read from Markdown',
        '  - findings[1]: no severity',
        '- tests (test-automator): nothing read',
        '  - no findings could be read: …',
        '',
      ].join('\n'),
    );
  });

  it('renders JSON a program reads back to the same report', () => {
    const json = renderReviewReport(report, 'json');
    expect(json.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(json) as ReviewReport;
    expect(parsed).toEqual(report);
    expect(parsed.findings[0]).toEqual({
      severity: 'critical',
      title: 'SQL injection in findUser',
      file: 'src/db/users.ts',
      line: 42,
      endLine: 44,
      detail: 'The id is concatenated\ninto the query.',
      recommendation: 'Use a parameterised query.',
      category: 'security',
      reviewers: ['security', 'correctness'],
    });
    expect(Object.keys(parsed)).toEqual(['verdict', 'counts', 'findings', 'reviewers', 'duplicatesMerged']);
  });
});
