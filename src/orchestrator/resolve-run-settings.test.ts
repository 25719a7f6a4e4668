import { describe, expect, it } from 'vitest';
import { runConfigSchema } from '../core/index.js';
import { resolveNewRunConfig, resolveNewRunSettings, resolveResumeSettings } from './resolve-run-settings.js';
import { orchestratorOptionsSchema } from './schema.js';

const stored = {
  tasks: [],
  config: runConfigSchema.parse({ maxParallelAgents: 1, retry: { max: 3 }, budget: { run: { tokens: 100, costUsd: 1 }, agents: { coder: { tokens: 50 } } } }),
  parameters: {},
  settings: { workspaceDir: '/work/tree', agentDirs: ['/work/agents'], provider: 'openai' },
};

describe('settings of a resumed run (issue 6: resume dropped them)', () => {
  it('leaves options that were not given unset, so defaults do not pass for explicit choices', () => {
    // runConfigSchema.partial() would fill maxParallelAgents: 3 and retry.max 0 here, and reset the run's.
    const options = orchestratorOptionsSchema.parse({});
    expect(options.maxParallelAgents).toBeUndefined();
    expect(options.retry).toBeUndefined();
    expect(options.contextStrategy).toBeUndefined();
  });

  it("keeps the run's config and settings when nothing is given", () => {
    expect(resolveResumeSettings(stored, { config: {} }, '/elsewhere')).toEqual({
      config: stored.config,
      settings: { workspaceDir: '/work/tree', agentDirs: ['/work/agents'], provider: 'openai' },
      overrides: [],
    });
  });

  it('overrides field by field and cap by cap, listing only what changed', () => {
    const resolved = resolveResumeSettings(
      stored,
      {
        config: { maxParallelAgents: 1, globalTimeout: 5_000, budget: { run: { tokens: 500 }, agents: { coder: { costUsd: 2 }, tester: { tokens: 9 } } } },
        model: 'opus',
        workspaceDir: 'moved',
        agentDirs: ['agents'],
      },
      '/home/me',
    );
    expect(resolved.config).toMatchObject({
      maxParallelAgents: 1,
      globalTimeout: 5_000,
      retry: { max: 3 },
      budget: { run: { tokens: 500, costUsd: 1 }, agents: { coder: { tokens: 50, costUsd: 2 }, tester: { tokens: 9 } } },
    });
    expect(resolved.settings).toEqual({ workspaceDir: '/home/me/moved', agentDirs: ['/home/me/moved/agents'], provider: 'openai', model: 'opus' });
    expect(resolved.overrides).toEqual([
      { field: 'globalTimeout', from: undefined, to: 5_000 },
      { field: 'budget.run.tokens', from: 100, to: 500 },
      { field: 'budget.agents.coder.costUsd', from: undefined, to: 2 },
      { field: 'budget.agents.tester.tokens', from: undefined, to: 9 },
      { field: 'workspaceDir', from: '/work/tree', to: '/home/me/moved' },
      { field: 'agentDirs', from: ['/work/agents'], to: ['/home/me/moved/agents'] },
      { field: 'model', from: undefined, to: 'opus' },
    ]);
  });

  it('runs a run journaled before settings were kept in the current directory, as it did then', () => {
    const legacy = { tasks: [], config: runConfigSchema.parse({}), parameters: {} };
    expect(resolveResumeSettings(legacy, { config: {}, agentDirs: ['a'] }, '/here')).toMatchObject({
      settings: { workspaceDir: '/here', agentDirs: ['/here/a'] },
      overrides: [],
    });
  });

  it('makes a new run\'s workspace and agent folders absolute', () => {
    expect(resolveNewRunSettings({ workspaceDir: 'tree', agentDirs: ['x', '/abs'] }, '/home/me')).toEqual({ workspaceDir: '/home/me/tree', agentDirs: ['/home/me/tree/x', '/abs'] });
    expect(resolveNewRunSettings({}, '/home/me')).toEqual({ workspaceDir: '/home/me', agentDirs: [] });
  });
});

describe('the permission ceiling of a run (issue 12)', () => {
  it('defaults to edit, takes the config file under an explicit one, and is kept and overridable on resume', () => {
    expect(resolveNewRunConfig({}, {}).permissions).toBe('edit');
    expect(resolveNewRunConfig({}, { permissions: 'read' }).permissions).toBe('read');
    expect(resolveNewRunConfig({ permissions: 'full' }, { permissions: 'read', budget: { run: { tokens: 5 } } })).toMatchObject({ permissions: 'full', budget: { run: { tokens: 5 } } });
    const run = { ...stored, config: runConfigSchema.parse({ permissions: 'read' }) };
    expect(resolveResumeSettings(run, { config: {} }, '/x').config.permissions).toBe('read');
    const resumed = resolveResumeSettings(run, { config: { permissions: 'full' } }, '/x');
    expect(resumed.config.permissions).toBe('full');
    expect(resumed.overrides).toContainEqual({ field: 'permissions', from: 'read', to: 'full' });
  });
});
