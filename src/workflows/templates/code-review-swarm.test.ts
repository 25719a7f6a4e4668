import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadAgentRegistry } from '../../agents/index.js';
import { computeCriticalPath, estimateTaskDurations, isEnsembleError, taskSpecSchema, validateGraph } from '../../core/index.js';
import type { TaskSpec } from '../../core/index.js';
import { resolveTemplateWorkflow } from '../resolve-workflow.js';
import { FINDINGS_CONSOLIDATOR } from '../review-findings/index.js';
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

  it('runs the default six reviewers in parallel on catalogue llm agents, then the built-in consolidator', () => {
    expect(workflow.tasks.map((task) => [task.id, task.agentName, task.dependencies])).toEqual([
      ['correctness', 'code-reviewer', []],
      ['security', 'security-auditor', []],
      ['performance', 'performance-engineer', []],
      ['tests', 'test-automator', []],
      ['maintainability', 'refactorer', []],
      ['architecture', 'tech-lead', []],
      ['consolidate', 'findings-consolidator', ['correctness', 'security', 'performance', 'tests', 'maintainability', 'architecture']],
    ]);
    expect(workflow.config).toEqual({ maxParallelAgents: 6 });
    const everyone = resolveTemplateWorkflow(codeReviewSwarmTemplate, { reviewers: ALL_REVIEWERS });
    expect(everyone.tasks).toHaveLength(12);
    for (const task of everyone.tasks.filter((candidate) => candidate.id !== 'consolidate')) {
      expect(catalogue.get(task.agentName)?.runtime, task.id).toBe('llm');
      expect(task.priority).toBeGreaterThanOrEqual(1);
      expect(task.priority).toBeLessThanOrEqual(10);
      expect(task.maxTokens, task.id).toBeGreaterThan(0);
      expect(task.estimatedMs, task.id).toBeGreaterThan(0);
      expect(task.responseFormat, task.id).toBe('review-findings');
    }
    expect(validateGraph(everyone.tasks, { isKnownAgent: (name) => catalogue.has(name) || name === FINDINGS_CONSOLIDATOR }).ok).toBe(true);
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

  it('asks reviewers for findings in the shape of the schema without edits, and hands the consolidator the report format', () => {
    for (const task of workflow.tasks.filter((candidate) => candidate.id !== 'consolidate')) {
      expect(task.prompt).toContain(`You are the \`${task.id}\` reviewer`);
      expect(task.prompt).toContain('"severity": "critical" | "warning" | "suggestion" | "approval"');
      for (const field of ['"title"', '"file"', '"line"', '"endLine"', '"detail"', '"recommendation"', '"category"']) expect(task.prompt).toContain(field);
      expect(task.prompt).toContain('change no files (no Write or Edit');
      expect(task.prompt).toContain('`path:line`');
    }
    expect(workflow.tasks.find((task) => task.id === 'tests')?.prompt).toContain('without it, say the tests were not run');
    expect(consolidate?.context).toEqual({ format: 'markdown' });
    expect(consolidate?.prompt).toContain('names every reviewer who reported it');
    expect(consolidate?.prompt).toContain('answer in Markdown');
    const json = resolveTemplateWorkflow(codeReviewSwarmTemplate, { format: 'JSON' }).tasks.find((task) => task.id === 'consolidate');
    expect(json?.context).toEqual({ format: 'json' });
    expect(json?.prompt).toContain('answer in JSON');
    // The task parses as core's task shape, context and response format included.
    expect(taskSpecSchema.safeParse(json).success).toBe(true);
  });

  it('rejects a report format other than markdown or json, naming the parameter', () => {
    const error = resolveError({ format: 'yaml' });
    expect(isEnsembleError(error) && error.code).toBe('INVALID_INPUT');
    expect(isEnsembleError(error) && error.message.split('\n')[0]).toBe('parameters.format: expected one of markdown, json, got "yaml"');
  });

  it('rejects unknown or empty reviewers naming the parameter, and de-duplicates the list', () => {
    const unknown = resolveError({ reviewers: 'security,secruity,ux' });
    expect(isEnsembleError(unknown) && unknown.code).toBe('INVALID_INPUT');
    expect(isEnsembleError(unknown) && unknown.message.split('\n').slice(0, 2).map((line) => line.split(', got')[0])).toEqual([
      `parameters.reviewers[1]: expected one of ${ALL_REVIEWERS.split(',').join(', ')}`,
      `parameters.reviewers[2]: expected one of ${ALL_REVIEWERS.split(',').join(', ')}`,
    ]);
    const empty = resolveError({ reviewers: [] });
    expect(isEnsembleError(empty) && empty.message).toMatch(/^parameters\.reviewers: at least one reviewer is needed/);
    const wrongType = resolveError({ changedFiles: 42 });
    expect(isEnsembleError(wrongType) && wrongType.message.split('\n')[0]).toBe('parameters.changedFiles: expected an array, got 42');
    const twice = resolveTemplateWorkflow(codeReviewSwarmTemplate, { reviewers: 'Security, security, tests' });
    expect(twice.tasks.map((task) => task.id)).toEqual(['security', 'tests', 'consolidate']);
  });

  it('estimates its duration as the critical path', () => {
    expect(criticalPathMs(workflow.tasks)).toBe(codeReviewSwarmTemplate.estimatedDuration * 1000);
  });
});
