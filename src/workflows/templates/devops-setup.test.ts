import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { criticalPathMs } from '../../../test/helpers/templates.js';
import { loadAgentRegistry } from '../../agents/index.js';
import { isEnsembleError, validateGraph } from '../../core/index.js';
import { resolveTemplateWorkflow } from '../resolve-workflow.js';
import { devopsSetupTemplate } from './devops-setup.js';

const emptyHome = mkdtempSync(join(tmpdir(), 'ensemble-devops-'));
afterAll(() => rmSync(emptyHome, { recursive: true, force: true }));

function resolveError(params: Record<string, unknown>): string {
  try {
    resolveTemplateWorkflow(devopsSetupTemplate, params);
  } catch (error) {
    if (isEnsembleError(error) && error.code === 'INVALID_INPUT') return error.message;
    throw error;
  }
  throw new Error('expected an INVALID_INPUT error');
}

describe('devops-setup template (issue 8)', () => {
  // As `--param` flags give them: strings, coerced by the template's parameter schema.
  const workflow = resolveTemplateWorkflow(devopsSetupTemplate, {
    platform: 'aws',
    cicd: 'gitlab-ci',
    monitoring: 'yes',
    environments: 'dev, staging, prod',
    context: 'One Node service and a worker; RDS Postgres',
  });
  const promptOf = (id: string): string => workflow.tasks.find((task) => task.id === id)?.prompt ?? '';

  it('runs in phases: design, then CI, container and monitoring in parallel, security review, verification', () => {
    expect(workflow.tasks.map((task) => [task.id, task.agentName, task.dependencies])).toEqual([
      ['infrastructure-design', 'cloud-architect', []],
      ['ci-pipeline', 'deployment-engineer', ['infrastructure-design']],
      ['containerize', 'cloud-architect', ['infrastructure-design']],
      ['monitoring', 'devops-troubleshooter', ['infrastructure-design']],
      ['security-review', 'security-auditor', ['infrastructure-design', 'ci-pipeline', 'containerize', 'monitoring']],
      ['verify', 'deployment-engineer', ['infrastructure-design', 'ci-pipeline', 'containerize', 'monitoring', 'security-review']],
    ]);
    expect(validateGraph(workflow.tasks).ok).toBe(true);
    for (const task of workflow.tasks) {
      expect(task.priority, task.id).toBeGreaterThanOrEqual(1);
      expect(task.priority, task.id).toBeLessThanOrEqual(10);
      expect(task.maxTokens, task.id).toBeGreaterThan(0);
      expect(task.estimatedMs, task.id).toBeGreaterThan(0);
      expect(task.prompt.split('\n\n').length, task.id).toBeGreaterThanOrEqual(3);
    }
  });

  it('leaves the monitoring task out when monitoring is false', () => {
    const without = resolveTemplateWorkflow(devopsSetupTemplate, { platform: 'kubernetes', monitoring: false });
    expect(without.tasks.map((task) => [task.id, task.dependencies])).toEqual([
      ['infrastructure-design', []],
      ['ci-pipeline', ['infrastructure-design']],
      ['containerize', ['infrastructure-design']],
      ['security-review', ['infrastructure-design', 'ci-pipeline', 'containerize']],
      ['verify', ['infrastructure-design', 'ci-pipeline', 'containerize', 'security-review']],
    ]);
    expect(validateGraph(without.tasks).ok).toBe(true);
    for (const task of without.tasks) expect(task.prompt, task.id).not.toContain('monitoring report');
    expect(devopsSetupTemplate.estimatedDuration * 1000).toBe(criticalPathMs(without.tasks));
  });

  it('runs only on llm agents of the built-in catalogue, telling only those with the tools to write or run', () => {
    const registry = loadAgentRegistry({ cwd: emptyHome, homeDir: emptyHome });
    for (const task of workflow.tasks) {
      const agent = registry.get(task.agentName);
      expect(agent?.runtime, task.agentName).toBe('llm');
      const tools = agent?.tools ?? [];
      if (/with Write/i.test(task.prompt)) expect(tools, task.id).toContain('Write');
      if (/with Edit/i.test(task.prompt)) expect(tools, task.id).toContain('Edit');
      if (/with Bash/i.test(task.prompt)) expect(tools, task.id).toContain('Bash');
    }
    expect(promptOf('monitoring')).toContain('You have no Write or Edit tool, so give every file in full');
    expect(promptOf('verify')).toContain('write the monitoring files given in full in the monitoring report');
    expect(promptOf('containerize')).toContain('You cannot run commands');
  });

  it('puts every parameter into the prompts', () => {
    expect(workflow.parameters).toEqual({
      platform: 'aws',
      cicd: 'gitlab-ci',
      monitoring: true,
      environments: ['dev', 'staging', 'prod'],
      context: 'One Node service and a worker; RDS Postgres',
    });
    for (const task of workflow.tasks) {
      expect(task.prompt, task.id).toContain('Deployment platform: aws\nCI system: gitlab-ci\nEnvironments: dev → staging → prod\nMonitoring: yes');
      expect(task.prompt, task.id).toContain('Project notes: One Node service and a worker; RDS Postgres');
    }
    expect(promptOf('ci-pipeline')).toContain('`.gitlab-ci.yml`');
    expect(promptOf('ci-pipeline')).toContain('a manual approval before prod');
    expect(promptOf('containerize')).toContain('for aws for each environment (dev, staging, prod)');
  });

  it('defaults to GitHub Actions, staging then production, and monitoring', () => {
    const defaults = resolveTemplateWorkflow(devopsSetupTemplate, { platform: 'fly.io' });
    expect(defaults.parameters).toEqual({ platform: 'fly.io', cicd: 'github-actions', monitoring: true, environments: ['staging', 'production'] });
    expect(defaults.tasks.find((task) => task.id === 'ci-pipeline')?.prompt).toContain('`.github/workflows/ci.yml`');
    const other = resolveTemplateWorkflow(devopsSetupTemplate, { platform: 'fly.io', cicd: 'drone' });
    expect(other.tasks.find((task) => task.id === 'ci-pipeline')?.prompt).toContain('the file drone reads its pipeline from');
  });

  it('tells agents what to read, run without inventing results, and hand on', () => {
    expect(promptOf('infrastructure-design')).toContain('`path:line`');
    expect(promptOf('infrastructure-design')).toContain('End with a file plan');
    expect(promptOf('security-review')).toContain('`path:line`');
    for (const id of ['ci-pipeline', 'verify']) expect(promptOf(id)).toContain('`--permissions full`');
    expect(promptOf('verify')).toContain('never report results you did not see');
    expect(promptOf('verify')).toContain('`docker compose config`');
  });

  it('rejects a missing platform and an invalid monitoring value, naming them', () => {
    expect(resolveError({ cicd: 'circleci' })).toContain('parameters.platform: required (string: Where it deploys');
    expect(resolveError({ platform: 'aws', monitoring: 'maybe' })).toContain('parameters.monitoring: expected a boolean');
  });

  it('estimates its duration as the critical path, its widest phase fitting the default limit of 3', () => {
    expect(devopsSetupTemplate.estimatedDuration * 1000).toBe(criticalPathMs(workflow.tasks));
    const parallel = workflow.tasks.filter((task) => task.dependencies.join() === 'infrastructure-design');
    expect(parallel.length).toBeLessThanOrEqual(devopsSetupTemplate.config?.maxParallelAgents ?? 3);
  });
});
