import { describe, expect, it } from 'vitest';
import { parseReviewFindings } from './parse-review-findings.js';
import { reviewFindingsSchema } from './schema.js';

describe('parseReviewFindings (issue 8: swarm findings parsed)', () => {
  it('reads the fenced json block a reviewer ends with, tolerating synonyms, nulls and ranges', () => {
    const text = [
      'I read `src/db/users.ts` and `src/api/auth.ts` with the Read tool.',
      '',
      'The lookup builds SQL from the request; see below.',
      '',
      '```json',
      '{"reviewer": "security", "findings": [',
      '  {"severity": "critical", "file": "src/db/users.ts", "line": 42, "title": "SQL injection in findUser", "detail": "The id from the query string is concatenated into the SQL.", "fix": "Use a parameterised query."},',
      '  {"severity": "High", "path": "./src/api/auth.ts", "lines": "10-14", "title": "Token compared with ==", "description": "Timing attack on the reset token.", "recommendation": null},',
      '  {"severity": "approval", "file": null, "line": null, "title": "Secrets come from the environment", "detail": "No keys in the code.", "fix": ""}',
      ']}',
      '```',
    ].join('\n');
    const parsed = parseReviewFindings(text);
    expect(parsed.source).toBe('json');
    expect(parsed.problems).toEqual([]);
    expect(parsed.findings).toEqual([
      {
        severity: 'critical',
        title: 'SQL injection in findUser',
        file: 'src/db/users.ts',
        line: 42,
        detail: 'The id from the query string is concatenated into the SQL.',
        recommendation: 'Use a parameterised query.',
      },
      { severity: 'critical', title: 'Token compared with ==', file: 'src/api/auth.ts', line: 10, endLine: 14, detail: 'Timing attack on the reset token.' },
      { severity: 'approval', title: 'Secrets come from the environment', detail: 'No keys in the code.' },
    ]);
    // What it reads fits the stored schema.
    expect(reviewFindingsSchema.safeParse({ findings: parsed.findings }).success).toBe(true);
  });

  it('reads bare JSON anywhere in the text: the structured output of an llm reviewer, or an array after prose', () => {
    const structured = JSON.stringify({
      findings: [{ severity: 'warning', title: 'N+1 query', file: 'src/orders.ts', line: 88, endLine: 95, detail: 'One query per order.', recommendation: 'Batch it.', category: 'performance' }],
    });
    expect(parseReviewFindings(structured)).toEqual({
      source: 'json',
      problems: [],
      findings: [{ severity: 'warning', title: 'N+1 query', file: 'src/orders.ts', line: 88, endLine: 95, detail: 'One query per order.', recommendation: 'Batch it.', category: 'performance' }],
    });
    const prose = 'Two things. Here they are: [{"severity": "nit", "location": "src/a.ts:7", "message": "Unused import. Remove it."}, {"severity": "lgtm", "summary": "Clear names"}] Thanks!';
    const parsed = parseReviewFindings(prose);
    expect(parsed.source).toBe('json');
    expect(parsed.findings).toEqual([
      { severity: 'suggestion', title: 'Unused import.', file: 'src/a.ts', line: 7, detail: 'Unused import. Remove it.' },
      { severity: 'approval', title: 'Clear names', detail: 'Clear names' },
    ]);
  });

  it('reads findings grouped by severity, and names the items it could not take', () => {
    const text = '```json\n{"critical": [{"title": "Data loss on retry", "file": "src/queue.ts", "line": "12"}], "warnings": ["src/a.ts:3 swallowed error"], "findings_note": 1}\n```';
    expect(parseReviewFindings(text).findings).toEqual([
      { severity: 'critical', title: 'Data loss on retry', file: 'src/queue.ts', line: 12, detail: 'Data loss on retry' },
      { severity: 'warning', title: 'swallowed error', file: 'src/a.ts', line: 3, detail: 'src/a.ts:3 swallowed error' },
    ]);
    const partial = parseReviewFindings(
      '```json\n{"findings": [{"severity": "urgent", "title": "x"}, {"severity": "warning"}, 42, {"severity": "warning", "title": "Kept", "line": "soon"}]}\n```',
    );
    expect(partial.findings).toEqual([{ severity: 'warning', title: 'Kept', detail: 'Kept' }]);
    expect(partial.problems).toEqual([
      'findings[0]: unknown severity "urgent" (expected critical, warning, suggestion or approval)',
      'findings[1]: no title or detail',
      'findings[2]: expected an object, got 42',
      'findings[3].line: not a line number: "soon"',
    ]);
  });

  it('forgives trailing commas and comments, and salvages the complete objects of a block cut short', () => {
    const commas = '```json\n{\n  // the one finding\n  "findings": [{"severity": "suggestion", "title": "Rename x", "file": "src/x.ts", "line": 3,},],\n}\n```';
    expect(parseReviewFindings(commas)).toMatchObject({ source: 'json', problems: [], findings: [{ title: 'Rename x', line: 3 }] });
    const cut = '```json\n{"findings": [{"severity": "critical", "title": "Crash on empty input", "file": "src/p.ts", "line": 5, "detail": "d"}, {"severity": "warning", "title": "Trunc';
    const parsed = parseReviewFindings(cut);
    expect(parsed.source).toBe('json');
    expect(parsed.findings).toEqual([{ severity: 'critical', title: 'Crash on empty input', file: 'src/p.ts', line: 5, detail: 'd' }]);
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]).toMatch(/^json block 1 is not valid JSON \(.+\); read the 1 complete finding object\(s\) in it$/);
  });

  it('reads Markdown severity headings, sub-headings and bullets with `path:line` or `file line N` references', () => {
    const text = [
      '# Review of the password reset',
      '',
      'I read the handler and its tests.',
      '',
      '## 🔴 Critical issues (1)',
      '',
      '- `src/api/reset.ts:31-35` — The reset token never expires. An old e-mail resets the password forever.',
      '  - **Fix:** store an expiry and reject older tokens.',
      '',
      '## Warnings',
      '',
      '### 1. Missing rate limit',
      'The endpoint in src/api/reset.ts line 12 accepts unlimited requests.',
      '',
      'Recommendation: limit to 5 per hour per address.',
      '',
      '## Suggestions',
      '',
      '* Extract the e-mail template (src/mail/reset.html) into a constant',
      '',
      '## Approvals',
      '',
      '1. Good use of constant-time comparison in `src/api/reset.ts` (lines 40–42).',
      '',
      '## Coverage',
      '',
      '- I did not run the tests.',
    ].join('\n');
    const parsed = parseReviewFindings(text);
    expect(parsed.source).toBe('markdown');
    expect(parsed.problems).toEqual([]);
    expect(parsed.findings).toEqual([
      {
        severity: 'critical',
        title: 'The reset token never expires.',
        file: 'src/api/reset.ts',
        line: 31,
        endLine: 35,
        detail: '`src/api/reset.ts:31-35` — The reset token never expires. An old e-mail resets the password forever.',
        recommendation: 'store an expiry and reject older tokens.',
      },
      {
        severity: 'warning',
        title: 'Missing rate limit',
        file: 'src/api/reset.ts',
        line: 12,
        detail: 'Missing rate limit\nThe endpoint in src/api/reset.ts line 12 accepts unlimited requests.',
        recommendation: 'limit to 5 per hour per address.',
      },
      {
        severity: 'suggestion',
        title: 'Extract the e-mail template (src/mail/reset.html) into a constant',
        file: 'src/mail/reset.html',
        detail: 'Extract the e-mail template (src/mail/reset.html) into a constant',
      },
      {
        severity: 'approval',
        title: 'Good use of constant-time comparison in `src/api/reset.ts` (lines 40–42).',
        file: 'src/api/reset.ts',
        line: 40,
        endLine: 42,
        detail: 'Good use of constant-time comparison in `src/api/reset.ts` (lines 40–42).',
      },
    ]);
  });

  it('reads labelled bullets outside any group: bold, bracketed, emoji, trailing and `Severity:` labels', () => {
    const text = [
      '## Findings',
      '',
      '- **critical** — input for orders reaches the database without validation.',
      '- [warning] src/cache.ts:9: the cache never evicts',
      '- Nit: `utils.ts:4` has a typo in a comment',
      '- 🟡 Error swallowed in src/jobs/run.ts line 77',
      '- Logging prints the session id in src/log.ts:15 (high)',
      '- Retries are unbounded in src/http.ts:40. Severity: medium',
      '- LGTM: the module layout is clear',
      '- this bullet has no label and is prose',
      '',
      '## Verdict',
      '',
      'Changes requested.',
    ].join('\n');
    const parsed = parseReviewFindings(text);
    expect(parsed.findings.map((finding) => [finding.severity, finding.title, finding.file, finding.line])).toEqual([
      ['critical', 'input for orders reaches the database without validation.', undefined, undefined],
      ['warning', 'the cache never evicts', 'src/cache.ts', 9],
      ['suggestion', 'has a typo in a comment', 'utils.ts', 4],
      ['warning', 'Error swallowed in src/jobs/run.ts line 77', 'src/jobs/run.ts', 77],
      ['critical', 'Logging prints the session id in src/log.ts:15', 'src/log.ts', 15],
      ['warning', 'Retries are unbounded in src/http.ts:40', 'src/http.ts', 40],
      ['approval', 'the module layout is clear', undefined, undefined],
    ]);
  });

  it('takes an LGTM-only review as one approval, and "no issues found" as an empty review', () => {
    expect(parseReviewFindings('LGTM — small, well-tested change.')).toEqual({
      source: 'markdown',
      problems: [],
      findings: [{ severity: 'approval', title: 'LGTM — small, well-tested change.', detail: 'LGTM — small, well-tested change.' }],
    });
    expect(parseReviewFindings('I read all six files. No issues found in the data layer.')).toEqual({ source: 'markdown', problems: [], findings: [] });
    expect(parseReviewFindings('```json\n{"findings": []}\n```')).toEqual({ source: 'json', problems: [], findings: [] });
  });

  it('reports garbage, an empty output and a broken block as unread, without throwing', () => {
    const garbage = parseReviewFindings('As an AI model I reviewed it {not json} [1, 2] and it seems fine-ish? v1.2.3 Node.js e.g. this');
    expect(garbage.source).toBe('none');
    expect(garbage.findings).toEqual([]);
    expect(garbage.problems).toEqual([expect.stringMatching(/^no findings could be read: no JSON findings block, and no Markdown findings/)]);
    expect(parseReviewFindings('  \n')).toEqual({ source: 'none', findings: [], problems: ['the output is empty'] });
    const broken = parseReviewFindings('```json\n{"findings": [oops]}\n```');
    expect(broken.source).toBe('none');
    expect(broken.problems[0]).toMatch(/^json block 1 is not valid JSON \(/);
    expect(broken.problems[1]).toMatch(/^no findings could be read/);
    // A code block of another language is not read as findings; the bullets beside it are.
    const mixed = parseReviewFindings('## Warnings\n\n- src/a.ts:3 unchecked result\n\n```ts\nconst x = {"severity": "critical", "title": "not a finding"};\n```\n');
    expect(mixed.findings.map((finding) => finding.title)).toEqual(['unchecked result']);
  });

  it('reads the simulated reviewer voice: bold severity bullets under Findings, file lines it read left alone', () => {
    const simulated = [
      '> Simulated output (no model was called)',
      '',
      '## Findings',
      '',
      '- **critical** — input for users reaches login without validation.',
      '- **warning** — errors around session are swallowed; callers cannot tell failure from success.',
      '- **suggestion** — extract the login handling into one function with tests.',
      '- **approval** — the naming is clear and consistent.',
      '',
      '## Verdict',
      '',
      'Changes requested: address the first two findings, then re-review.',
      '',
      '## Workspace files read (simulated)',
      '',
      '- src/app.ts:3: `export function login() {` — check the error path around this line',
    ].join('\n');
    const parsed = parseReviewFindings(simulated);
    expect(parsed.findings.map((finding) => finding.severity)).toEqual(['critical', 'warning', 'suggestion', 'approval']);
    expect(parsed.findings[1]?.title).toBe('errors around session are swallowed; callers cannot tell failure from success.');
  });

  it('reads findings beside a long unbroken token and a long run of blank lines (bounded patterns)', () => {
    const noise = `${'A'.repeat(200_000)}\n${' \n'.repeat(50_000)}## Warnings\n\n- src/a.ts:1 slow path\n`;
    expect(parseReviewFindings(noise).findings.map((finding) => finding.title)).toEqual(['slow path']);
  });
});
