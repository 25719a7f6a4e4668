import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskSpecSchema } from '../core/index.js';
import { MEMORY_HOG_PROGRAM, failureOf } from '../../test/helpers/process-agents.js';
import { recordingDispatchContext } from '../../test/helpers/dispatch-context.js';
import { createCommandRuntime } from './process/index.js';
import { AgentRegistry } from './registry/index.js';
import type { AgentDefinition } from './registry/index.js';
import { LocalDispatcher } from './local-dispatcher.js';

// Issue 13, deliverable 2: every process agent has a memory limit, its file's or the run's default.

const hasProc = existsSync('/proc/self/stat');
let workspace: string;

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'ensemble-memory-default-'));
  writeFileSync(join(workspace, 'hog.mjs'), MEMORY_HOG_PROGRAM);
  // Holds 160 MB for a moment, then succeeds.
  writeFileSync(join(workspace, 'medium.mjs'), "const held = Buffer.alloc(160 * 1024 * 1024, 1); setTimeout(() => { process.stdout.write('held ' + held.length); }, 600);");
});

afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
});

const agent = (name: string, script: string, limits?: AgentDefinition['limits']): AgentDefinition => ({
  name,
  description: 'memory test agent',
  category: 'testing',
  runtime: 'command',
  command: [process.execPath, join(workspace, script)],
  tools: [],
  prompt: '',
  source: 'test',
  extra: {},
  ...(limits === undefined ? {} : { limits }),
});

function dispatch(dispatcher: LocalDispatcher, agentName: string) {
  const task = taskSpecSchema.parse({ id: 'task-1', agentName, prompt: 'go' });
  return dispatcher.dispatch({ runId: 'run-1', task, attempt: 1, executionId: 'run-1:task-1:1', inputs: [], permissions: 'edit', context: [] }, recordingDispatchContext(undefined, workspace));
}

function registryOf(...definitions: AgentDefinition[]): AgentRegistry {
  const registry = new AgentRegistry();
  for (const definition of definitions) registry.register(definition);
  return registry;
}

describe.skipIf(!hasProc)('default memory limit of process agents', () => {
  it('kills an agent whose file sets no memory limit when it passes the run default, naming the limit', async () => {
    const dispatcher = new LocalDispatcher({ registry: registryOf(agent('hog', 'hog.mjs', { wallTimeMs: 20_000 })), inProcess: new Map(), agentMemoryMb: 64 });
    const failure = await failureOf(dispatch(dispatcher, 'hog'));
    expect(failure.code).toBe('AGENT_LIMIT_EXCEEDED');
    expect(failure.details).toMatchObject({ agentName: 'hog', limit: 'memory', value: 64, unit: 'MB' });
  });

  it("keeps the file's own memory limit over the default", async () => {
    const dispatcher = new LocalDispatcher({ registry: registryOf(agent('medium', 'medium.mjs', { memoryMb: 1024 })), inProcess: new Map(), agentMemoryMb: 64 });
    expect((await dispatch(dispatcher, 'medium')).output).toBe(`held ${160 * 1024 * 1024}`);
  });

  it('applies 768 MB when the run sets no default: an agent holding 160 MB runs to the end', async () => {
    const dispatcher = new LocalDispatcher({ registry: registryOf(agent('medium', 'medium.mjs')), inProcess: new Map() });
    expect((await dispatch(dispatcher, 'medium')).output).toMatch(/^held /);
  });

  it('refuses a default that is no positive number', () => {
    expect(() => createCommandRuntime({ defaultMemoryMb: 0 })).toThrow(/defaultMemoryMb: expected a positive number of MB, got 0/);
    expect(() => createCommandRuntime({ defaultMemoryMb: Number.NaN })).toThrow(/defaultMemoryMb/);
  });
});
