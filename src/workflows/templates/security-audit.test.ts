import { describe, expect, it } from 'vitest';
import { criticalPathMs, templateError } from '../../../test/helpers/templates.js';
import { loadAgentRegistry } from '../../agents/index.js';
import { validateGraph } from '../../core/index.js';
import { resolveTemplateWorkflow } from '../resolve-workflow.js';
import { securityAuditTemplate } from './security-audit.js';

const registry = loadAgentRegistry({ includeBuiltins: true, cwd: '/nonexistent', homeDir: '/nonexistent' });

describe('security-audit template (issue 8)', () => {
  const workflow = resolveTemplateWorkflow(securityAuditTemplate, {
    application: 'Invoicing SaaS holding customer card tokens',
    target: 'services/api',
    stack: 'Node 22, Express, Postgres',
    compliance: 'PCI-DSS, GDPR',
    minimumSeverity: 'Medium',
  });
  const promptOf = (id: string): string => workflow.tasks.find((task) => task.id === id)?.prompt ?? '';

  it('runs four audits in parallel and consolidates them into one report, on catalogue agents', () => {
    expect(workflow.tasks.map((task) => [task.id, task.agentName, task.dependencies])).toEqual([
      ['dependency-audit', 'security-auditor', []],
      ['auth-audit', 'backend-security-coder', []],
      ['injection-audit', 'security-auditor', []],
      ['secrets-config-audit', 'deployment-engineer', []],
      ['security-report', 'security-auditor', ['dependency-audit', 'auth-audit', 'injection-audit', 'secrets-config-audit']],
    ]);
    expect(validateGraph(workflow.tasks).ok).toBe(true);
    for (const task of workflow.tasks) {
      expect(registry.has(task.agentName), task.agentName).toBe(true);
      expect(task.priority).toBeGreaterThanOrEqual(1);
      expect(task.priority).toBeLessThanOrEqual(10);
      expect(task.maxTokens, task.id).toBeGreaterThan(0);
      expect(task.estimatedMs, task.id).toBeGreaterThan(0);
    }
    expect(workflow.config).toEqual({ maxParallelAgents: 4 });
  });

  it('puts the parameters in every prompt', () => {
    for (const task of workflow.tasks) {
      expect(task.prompt, task.id).toContain('Application: Invoicing SaaS holding customer card tokens');
      expect(task.prompt, task.id).toContain('`services/api` in the workspace');
      expect(task.prompt, task.id).toContain('Stack: Node 22, Express, Postgres');
      expect(task.prompt, task.id).toContain('Compliance frameworks: PCI-DSS, GDPR');
      expect(task.prompt, task.id).toContain('Report findings of severity critical, high, medium.');
    }
    expect(promptOf('security-report')).toContain('the PCI-DSS, GDPR requirement it affects');
  });

  it('has the audits read and cite code, change nothing, and run git only where the agent has Bash', () => {
    for (const task of workflow.tasks) {
      expect(task.prompt, task.id).toContain('`path:line`');
      expect(task.prompt, task.id).toMatch(/do not (create, edit or delete|change) any file/i);
      const tools = registry.get(task.agentName)?.tools ?? [];
      if (task.prompt.includes('With Bash')) expect(tools, task.id).toContain('Bash');
    }
    expect(promptOf('secrets-config-audit')).toContain('`git ls-files`');
    expect(promptOf('secrets-config-audit')).toContain('Without Bash, say in your first line that the git history was not checked');
    expect(promptOf('dependency-audit')).toContain('`npm audit --omit=dev`');
    expect(promptOf('security-report')).toContain('Read the cited `path:line` yourself');
  });

  it('defaults the scope, severities and compliance, and leaves unset stack out', () => {
    const minimal = resolveTemplateWorkflow(securityAuditTemplate, { application: 'Blog' });
    expect(minimal.parameters).toEqual({ application: 'Blog', target: '.', compliance: [], minimumSeverity: 'low' });
    expect(minimal.tasks[0]?.prompt).toContain('Audit scope: the whole workspace.');
    expect(minimal.tasks[0]?.prompt).toContain('Report findings of severity critical, high, medium, low.');
    expect(minimal.tasks[0]?.prompt).not.toContain('Stack:');
    expect(minimal.tasks[0]?.prompt).not.toContain('Compliance frameworks');
  });

  it('rejects a missing application and an unknown severity, naming each (exit 2)', () => {
    const missing = templateError(securityAuditTemplate, { target: 'src' });
    expect(missing).toMatchObject({ code: 'INVALID_INPUT', exitCode: 2 });
    expect(missing.message).toContain('parameters.application: required');
    const severity = templateError(securityAuditTemplate, { application: 'Blog', minimumSeverity: 'severe' });
    expect(severity).toMatchObject({ code: 'INVALID_INPUT', exitCode: 2 });
    expect(severity.message).toMatch(/^parameters\.minimumSeverity: expected one of critical, high, medium, low, got "severe"\nin template "security-audit"/);
    expect(resolveTemplateWorkflow(securityAuditTemplate, { application: 'Blog', minimumSeverity: 'HIGH' }).parameters['minimumSeverity']).toBe('high');
  });

  it('estimates its duration as the critical path of its tasks', () => {
    expect(securityAuditTemplate.estimatedDuration).toBe(criticalPathMs(workflow.tasks) / 1000);
  });
});
