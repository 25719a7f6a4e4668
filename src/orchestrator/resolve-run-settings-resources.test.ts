import { describe, expect, it } from 'vitest';
import { runConfigSchema } from '../core/index.js';
import { resolveNewRunConfig, resolveResumeSettings, toExplicitRunConfig } from './resolve-run-settings.js';
import { orchestratorOptionsSchema } from './schema.js';

// Issue 13: a run's `resources` are stored with it, so `resume` keeps them; given ones override field by field.

const stored = {
  tasks: [],
  config: runConfigSchema.parse({ maxParallelAgents: 4, resources: { pressureControl: true, memoryFloorMb: 2048 } }),
  parameters: {},
  settings: { workspaceDir: '/work/tree', agentDirs: [] },
};

describe('resources of a run', () => {
  it('are part of the explicit run config, and only when given', () => {
    expect(toExplicitRunConfig(orchestratorOptionsSchema.parse({ resources: { cpuTarget: 50 } }))).toEqual({ resources: { cpuTarget: 50 } });
    expect(toExplicitRunConfig(orchestratorOptionsSchema.parse({}))).toEqual({});
  });

  it("are stored as given, without the config file's (which is read again at each start, under the environment)", () => {
    const config = resolveNewRunConfig({ resources: { cpuTarget: 50 } }, { budget: undefined });
    expect(config.resources).toEqual({ cpuTarget: 50 });
    expect(resolveNewRunConfig({}, {}).resources).toBeUndefined();
  });

  it('are kept by a resume that gives none', () => {
    const resolved = resolveResumeSettings(stored, { config: {} }, '/elsewhere');
    expect(resolved.config.resources).toEqual({ pressureControl: true, memoryFloorMb: 2048 });
    expect(resolved.overrides).toEqual([]);
  });

  it("are overridden field by field, each change listed, the run's other fields kept", () => {
    const resolved = resolveResumeSettings(stored, { config: { resources: { pressureControl: false, cpuTarget: 45, memoryFloorMb: 2048 } } }, '/elsewhere');
    expect(resolved.config.resources).toEqual({ pressureControl: false, memoryFloorMb: 2048, cpuTarget: 45 });
    expect(resolved.overrides).toEqual([
      { field: 'resources.pressureControl', from: true, to: false },
      { field: 'resources.cpuTarget', from: undefined, to: 45 },
    ]);
  });

  it('are added to a run that had none', () => {
    const legacy = { ...stored, config: runConfigSchema.parse({ maxParallelAgents: 4 }) };
    const resolved = resolveResumeSettings(legacy, { config: { resources: { cpuTarget: 70 } } }, '/elsewhere');
    expect(resolved.config.resources).toEqual({ cpuTarget: 70 });
    expect(resolved.overrides).toEqual([{ field: 'resources.cpuTarget', from: undefined, to: 70 }]);
  });
});
