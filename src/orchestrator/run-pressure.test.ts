import { describe, expect, it } from 'vitest';
import { taskSpecSchema } from '../core/index.js';
import { AgentRegistry, type AgentDefinition, type InProcessAgent } from '../agents/index.js';
import { runsAsHostProcess } from './create-run-scheduler.js';
import { resolveRunPressure, runPressureMonitor } from './run-pressure.js';
import { runConfigSchema } from '../core/index.js';

const definition = (name: string, runtime: AgentDefinition['runtime']): AgentDefinition => ({
  name,
  description: `${name} agent`,
  category: 'testing',
  runtime,
  ...(runtime === 'cli' || runtime === 'command' ? { command: ['true'] } : {}),
  tools: [],
  prompt: '',
  source: 'test',
  extra: {},
});

describe('which tasks need a process slot', () => {
  const registry = new AgentRegistry();
  for (const [name, runtime] of [['tests', 'command'], ['claude', 'cli'], ['reviewer', 'llm'], ['demo', 'simulated'], ['shadowed', 'command']] as const) registry.register(definition(name, runtime));
  const inProcess = new Map<string, InProcessAgent>([['shadowed', { name: 'shadowed', run: () => Promise.resolve('in process') }]]);
  const needs = (agentName: string): boolean => runsAsHostProcess(taskSpecSchema.parse({ id: 't', agentName }), registry, inProcess);

  it('is every cli and command agent of a file, and nothing else', () => {
    expect(needs('tests')).toBe(true);
    expect(needs('claude')).toBe(true);
    expect(needs('reviewer')).toBe(false);
    expect(needs('demo')).toBe(false);
    expect(needs('unknown')).toBe(false);
  });

  it('is not an in-process agent that shadows a file agent of the same name (the dispatcher runs the in-process one)', () => {
    expect(needs('shadowed')).toBe(false);
  });
});

describe('the monitor of a run', () => {
  const config = (resources?: Record<string, unknown>) => runConfigSchema.parse({ maxParallelAgents: 4, ...(resources === undefined ? {} : { resources }) });

  it('is none when pressure control is off, or when the run is distributed (its agents run on workers)', () => {
    const on = resolveRunPressure(config({ pressureControl: true }), {}, {});
    expect(runPressureMonitor(on, { isDistributed: false, sampleIntervalMs: undefined })).toBeDefined();
    expect(runPressureMonitor(on, { isDistributed: true, sampleIntervalMs: undefined })).toBeUndefined();
    const off = resolveRunPressure(config(), {}, { ENSEMBLE_PRESSURE_CONTROL: 'off' });
    expect(runPressureMonitor(off, { isDistributed: false, sampleIntervalMs: undefined })).toBeUndefined();
  });

  it('is shared by runs with the same settings and interval', () => {
    const settings = resolveRunPressure(config({ pressureControl: true, cpuTarget: 55 }), { resources: { agentMemoryMb: 300 } }, {});
    expect(settings.agentMemoryMb).toBe(300);
    const first = runPressureMonitor(settings, { isDistributed: false, sampleIntervalMs: 500 });
    expect(runPressureMonitor({ ...settings }, { isDistributed: false, sampleIntervalMs: 500 })).toBe(first);
    expect(runPressureMonitor(settings, { isDistributed: false, sampleIntervalMs: 1000 })).not.toBe(first);
  });
});
