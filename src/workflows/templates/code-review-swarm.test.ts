import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAgentRegistry } from '../../agents/index.js';
import { computeCriticalPath, estimateTaskDurations, isEnsembleError, validateGraph } from '../../core/index.js';
import type { TaskSpec } from '../../core/index.js';
import { resolveTemplateWorkflow } from '../resolve-workflow.js';
import { codeReviewSwarmTemplate } from './code-review-swarm.js';

const emptyFolder = mkdtempSync(join(tmpdir(), 'ensemble-swarm-'));
afterAll(() => rmSync(emptyFolder, { recursive: true, force: true }));
// The built-in catalogue only: no project or home agents can stand in for a missing one.
const catalogue = loadAgentRegistry({ cwd: emptyFolder, homeDir: emptyFolder });
const ALL_REVIEWERS = 'correctness,security,frontend-security,performance,database,tests,maintainability,architecture,api-design,documentation,accessibility';

function resolveError(params: Record<string, unknown>): unknown {
  try {
    resolveTemplateWorkflow(codeReviewSwarmTemplate, params);
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function criticalPathMs(tasks: readonly TaskSpec[]): number {
  const validation = validateGraph(tasks);
  if (!validation.ok) throw new Error(validation.issues.map((issue) => issue.message).join('\n'));
  return Math.max(...computeCriticalPath(validation.graph, estimateTaskDurations(validation.graph, new Map())));
}

describe('code-review-swarm template (issue 8)', () => {
  const workflow = resolveTemplateWorkflow(codeReviewSwarmTemplate, {
    target: 'main..HEAD',
    changedFiles: 'src/api/auth.ts, src/db/users.sql',
    intent: 'Add password reset by e-mail',
  });
  const consolidate = workflow.tasks.find((task) => task.id === 'consolidate');

  it('runs the default six reviewers in parallel, then one consolidation, on catalogue llm agents', () => {
    expect(workflow.tasks.map((task) => [task.id, task.agentName, task.dependencies])).toEqual([
      ['correctness', 'code-reviewer', []],
      ['security', 'security-auditor', []],
      ['performance', 'performance-engineer', []],
      ['tests', 'test-automator', []],
      ['maintainability', 'refactorer', []],
      ['architecture', 'tech-lead', []],
      ['consolidate', 'code-reviewer', ['correctness', 'security', 'performance', 'tests', 'maintainability', 'architecture']],
    ]);
    expect(workflow.config).toEqual({ maxParallelAgents: 6 });
    const everyone = resolveTemplateWorkflow(codeReviewSwarmTemplate, { reviewers: ALL_REVIEWERS });
    expect(everyone.tasks).toHaveLength(12);
    for (const task of everyone.tasks) {
      expect(catalogue.get(task.agentName)?.runtime, task.id).toBe('llm');
      expect(task.priority).toBeGreaterThanOrEqual(1);
      expect(task.priority).toBeLessThanOrEqual(10);
      expect(task.maxTokens, task.id).toBeGreaterThan(0);
      expect(task.estimatedMs, task.id).toBeGreaterThan(0);
    }
    expect(validateGraph(everyone.tasks, { isKnownAgent: (name) => catalogue.has(name) }).ok).toBe(true);
  });

  it('puts the target, changed files and intent in every prompt, with the git commands for a range', () => {
    for (const task of workflow.tasks) {
      expect(task.prompt, task.id).toContain('Review target: the git range `main..HEAD`. The changed files: src/api/auth.ts, src/db/users.sql.');
      expect(task.prompt, task.id).toContain('`git diff main..HEAD`');
      expect(task.prompt, task.id).toContain('Intent of the change: Add password reset by e-mail');
    }
    const path = resolveTemplateWorkflow(codeReviewSwarmTemplate, { target: 'src/api' });
    expect(path.tasks[0]?.prompt).toContain('Review target: `src/api` in the workspace');
    expect(path.tasks[0]?.prompt).not.toContain('Intent of the change');
  });

  it('asks reviewers for structured findings without edits, and the consolidator for the four groups', () => {
    for (const task of workflow.tasks.filter((candidate) => candidate.id !== 'consolidate')) {
      expect(task.prompt).toContain(`You are the \`${task.id}\` reviewer`);
      expect(task.prompt).toContain('"severity": "critical" | "warning" | "suggestion" | "approval"');
      expect(task.prompt).toContain('change no files (no Write or Edit');
      expect(task.prompt).toContain('`path:line`');
    }
    expect(workflow.tasks.find((task) => task.id === 'tests')?.prompt).toContain('without it, say the tests were not run');
    for (const heading of ['## Critical', '## Warnings', '## Suggestions', '## Approvals', '## Verdict']) expect(consolidate?.prompt).toContain(heading);
    expect(consolidate?.prompt).toContain('names every reviewer who raised it');
    expect(consolidate?.prompt).toContain('Read the cited lines yourself');
  });

  it('rejects unknown or empty reviewers naming the parameter, and de-duplicates the list', () => {
    const unknown = resolveError({ reviewers: 'security,secruity,ux' });
    expect(isEnsembleError(unknown) && unknown.code).toBe('INVALID_INPUT');
    expect(isEnsembleError(unknown) && unknown.message.split('\n').map((line) => line.split(';')[0])).toEqual([
      'parameters.reviewers: unknown reviewer "secruity" (did you mean "security"?)',
      'parameters.reviewers: unknown reviewer "ux"',
    ]);
    const empty = resolveError({ reviewers: [] });
    expect(isEnsembleError(empty) && empty.message).toMatch(/^parameters\.reviewers: at least one reviewer is needed/);
    const wrongType = resolveError({ changedFiles: 42 });
    expect(isEnsembleError(wrongType) && wrongType.message).toBe('parameters.changedFiles: expected an array, got 42');
    const twice = resolveTemplateWorkflow(codeReviewSwarmTemplate, { reviewers: 'Security, security, tests' });
    expect(twice.tasks.map((task) => task.id)).toEqual(['security', 'tests', 'consolidate']);
  });

  it('estimates its duration as the critical path', () => {
    expect(criticalPathMs(workflow.tasks)).toBe(codeReviewSwarmTemplate.estimatedDuration * 1000);
  });
});
