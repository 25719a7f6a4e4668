import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inProcessAgents } from '../src/agents/index.js';
import type { InProcessAgent } from '../src/agents/index.js';
import type { TaskSpec } from '../src/core/index.js';
import { AgentOrchestrator } from '../src/orchestrator/index.js';
import { findingsConsolidator, resolveWorkflow, reviewFindingSchema } from '../src/workflows/index.js';
import type { ReviewReport } from '../src/workflows/index.js';
import { makeTempDir, parseNdjson, runCli } from './helpers/cli.js';

// What three reviewers of one change write: Markdown, a JSON block, and nothing readable.
const CORRECTNESS_REVIEW = [
  'I read src/db/users.ts and src/api/reset.ts.',
  '',
  '## Critical',
  '',
  '- `src/db/users.ts:42` — SQL injection in findUser: the id is concatenated into the query.',
  '',
  '## Warnings',
  '',
  '- src/api/reset.ts:12 — missing rate limit on the reset endpoint',
  '',
  '## Approvals',
  '',
  '- LGTM: clear module layout',
].join('\n');
const SECURITY_REVIEW = [
  'The reset flow is exploitable; details in the block.',
  '',
  '```json',
  JSON.stringify({
    findings: [
      { severity: 'critical', title: 'SQL injection in findUser query', file: 'src/db/users.ts', line: 43, detail: 'A crafted id dumps the table.', recommendation: 'Use a parameterised query.' },
      { severity: 'warning', title: 'Reset token never expires', file: 'src/api/reset.ts', line: 30, detail: 'Old links keep working.', recommendation: 'Store an expiry.' },
    ],
  }),
  '```',
].join('\n');
const TESTS_REVIEW = 'I could not find the tests for this change, so I have nothing to say about them.';

function swarm(format?: 'markdown' | 'json'): { orchestrator: AgentOrchestrator; seen: string[] } {
  const workflow = resolveWorkflow('code-review-swarm', { params: { reviewers: ['correctness', 'security', 'tests'], ...(format === undefined ? {} : { format }) } });
  const orchestrator = new AgentOrchestrator({ ...workflow.config, store: false, agentDirs: [], workspaceDir: makeTempDir() });
  const seen: string[] = [];
  const reviewer = (name: string, output: string): InProcessAgent => ({
    name,
    run: (task: TaskSpec) => {
      seen.push(`${task.id}:${task.responseFormat ?? 'text'}`);
      return output;
    },
  });
  orchestrator.registerAgent(reviewer('code-reviewer', CORRECTNESS_REVIEW));
  orchestrator.registerAgent(reviewer('security-auditor', SECURITY_REVIEW));
  orchestrator.registerAgent(reviewer('test-automator', TESTS_REVIEW));
  orchestrator.addTasks(workflow.tasks);
  return { orchestrator, seen };
}

describe('code-review-swarm end to end (issue 8)', () => {
  it('consolidates the reviewers that answered when one fails, listing the failed one as not heard', async () => {
    const workflow = resolveWorkflow('code-review-swarm', { params: { reviewers: ['correctness', 'security', 'tests'], format: 'json' } });
    const orchestrator = new AgentOrchestrator({ ...workflow.config, store: false, agentDirs: [], workspaceDir: makeTempDir() });
    orchestrator.registerAgent({ name: 'code-reviewer', run: () => CORRECTNESS_REVIEW });
    orchestrator.registerAgent({ name: 'security-auditor', run: () => SECURITY_REVIEW });
    orchestrator.registerAgent({
      name: 'test-automator',
      run: () => {
        throw new Error('provider down');
      },
    });
    orchestrator.addTasks(workflow.tasks);
    const outcome = await orchestrator.execute();
    const consolidate = outcome.results.find((result) => result.taskId === 'consolidate');
    expect(consolidate?.status).toBe('succeeded');
    const report = JSON.parse(consolidate?.output ?? '') as ReviewReport;
    expect(report.findings[0]).toMatchObject({ severity: 'critical', reviewers: ['correctness', 'security'] });
    expect(JSON.stringify(report)).toContain('the reviewer failed');
    expect(report.verdict).toBe('changes-requested');
  });

  it('ships the findings consolidator as a built-in in-process agent, so graph validation and dispatch know it', () => {
    expect(inProcessAgents().get('findings-consolidator')).toBe(findingsConsolidator);
  });

  it('runs reviewers in parallel through the orchestrator and consolidates their findings into the JSON report', async () => {
    const { orchestrator, seen } = swarm('json');
    const outcome = await orchestrator.execute();
    expect(outcome.status).toBe('succeeded');
    expect(seen.sort()).toEqual(['correctness:review-findings', 'security:review-findings', 'tests:review-findings']);
    const consolidate = outcome.results.find((result) => result.taskId === 'consolidate');
    expect(consolidate?.agentName).toBe('findings-consolidator');
    const report = JSON.parse(consolidate?.output ?? '') as ReviewReport;
    expect(report.findings.map((finding) => [finding.severity, finding.title, `${finding.file}:${finding.line}${finding.endLine === undefined ? '' : `-${finding.endLine}`}`, finding.reviewers])).toEqual([
      ['critical', 'SQL injection in findUser: the id is concatenated into the query.', 'src/db/users.ts:42-43', ['correctness', 'security']],
      ['warning', 'missing rate limit on the reset endpoint', 'src/api/reset.ts:12', ['correctness']],
      ['warning', 'Reset token never expires', 'src/api/reset.ts:30', ['security']],
      ['approval', 'clear module layout', 'undefined:undefined', ['correctness']],
    ]);
    // The merged finding keeps the fix one reviewer gave, and every finding fits the findings schema.
    expect(report.findings[0]?.recommendation).toBe('Use a parameterised query.');
    for (const { reviewers: _reviewers, ...finding } of report.findings) expect(reviewFindingSchema.safeParse(finding).success).toBe(true);
    expect(report.counts).toEqual({ critical: 1, warning: 2, suggestion: 0, approval: 1 });
    expect(report.duplicatesMerged).toBe(1);
    expect(report.verdict).toBe('changes-requested');
    expect(report.reviewers.map((coverage) => [coverage.reviewer, coverage.agentName, coverage.source, coverage.findings])).toEqual([
      ['correctness', 'code-reviewer', 'markdown', 3],
      ['security', 'security-auditor', 'json', 2],
      ['tests', 'test-automator', 'none', 0],
    ]);
    expect(report.reviewers[2]?.problems[0]).toMatch(/^no findings could be read/);
  });

  it('renders the Markdown report by default', async () => {
    const { orchestrator } = swarm();
    const outcome = await orchestrator.execute();
    const markdown = outcome.results.find((result) => result.taskId === 'consolidate')?.output ?? '';
    expect(markdown).toContain('**Verdict: Changes requested** — 1 critical, 2 warnings, 0 suggestions, 1 approval from 3 reviewers, 1 duplicate merged.');
    expect(markdown).toContain('1. **SQL injection in findUser: the id is concatenated into the query.** — `src/db/users.ts:42-43` (correctness, security)');
    expect(markdown).toContain('Not heard: tests');
    expect(markdown.indexOf('## Critical (1)')).toBeLessThan(markdown.indexOf('## Warnings (2)'));
    expect(markdown.indexOf('## Suggestions (0)\n\n(none)')).toBeGreaterThan(markdown.indexOf('## Warnings (2)'));
  });
});

describe('ensemble run code-review-swarm --format (CLI, simulated reviewers)', () => {
  function workspace(): string {
    const folder = makeTempDir();
    mkdirSync(join(folder, 'src'));
    writeFileSync(join(folder, 'src', 'login.ts'), 'export function login(user: string, password: string) {\n  return user === "admin" && password === "admin";\n}\n');
    return folder;
  }

  it('--format json: the consolidator answers with the JSON report, read from the NDJSON events', { timeout: 60_000 }, async () => {
    const folder = workspace();
    const result = await runCli(['run', 'code-review-swarm', '--format', 'json', '--param', 'reviewers=correctness,security', '--json', '--db', join(folder, 'j.db')], { cwd: folder });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    const complete = events.find((event) => event.type === 'task:complete' && event.taskId === 'consolidate');
    expect(complete?.agentName).toBe('findings-consolidator');
    const report = JSON.parse(String(complete?.output)) as ReviewReport;
    expect(report.reviewers.map((coverage) => [coverage.reviewer, coverage.source])).toEqual([
      ['correctness', 'markdown'],
      ['security', 'markdown'],
    ]);
    expect(report.findings.length).toBeGreaterThan(0);
    for (const finding of report.findings) {
      expect(finding.reviewers.length).toBeGreaterThan(0);
      for (const reviewer of finding.reviewers) expect(['correctness', 'security']).toContain(reviewer);
    }
    const order = ['critical', 'warning', 'suggestion', 'approval'];
    const ranks = report.findings.map((finding) => order.indexOf(finding.severity));
    expect(ranks).toEqual([...ranks].sort((left, right) => left - right));
  });

  it('--format json without --json: the report is printed whole at the end of the run', { timeout: 60_000 }, async () => {
    const folder = workspace();
    const result = await runCli(['run', 'code-review-swarm', '--format', 'json', '--param', 'reviewers=correctness', '--db', join(folder, 'j.db')], { cwd: folder });
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    const header = lines.findIndex((line) => line.includes('consolidate (findings-consolidator)'));
    expect(header).toBeGreaterThan(-1);
    const end = lines.indexOf('', header + 1);
    const report = JSON.parse(lines.slice(header + 1, end).join('\n')) as ReviewReport;
    expect(report.reviewers.map((coverage) => coverage.reviewer)).toEqual(['correctness']);
    expect(['changes-requested', 'approve-with-fixes']).toContain(report.verdict);
  });

  it('--format with another value exits 2 naming the parameter', { timeout: 60_000 }, async () => {
    const folder = workspace();
    const result = await runCli(['run', 'code-review-swarm', '--format', 'yaml', '--db', join(folder, 'j.db')], { cwd: folder });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('parameters.format: expected one of markdown, json, got "yaml"');
  });
});
