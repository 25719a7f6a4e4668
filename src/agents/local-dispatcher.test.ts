import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEnsembleError, taskSpecSchema } from '../core/index.js';
import type { TaskInput, TaskOutcome, TaskRequest, TaskSpec } from '../core/index.js';
import { AgentRegistry } from './registry/agent-registry.js';
import { SIMULATED_LABEL } from './simulated/compose-simulated-answer.js';
import { registerAgent, unregisterAgent } from './in-process-agents.js';
import type { InProcessAgent, InProcessAgentContext } from './in-process-agents.js';
import { LocalDispatcher } from './local-dispatcher.js';
import type { AgentDefinition } from './registry/parse-agent-definition.js';
import { recordingDispatchContext } from '../../test/helpers/dispatch-context.js';

let workspace: string;

beforeAll(() => {
  workspace = mkdtempSync(join(tmpdir(), 'ensemble-dispatch-test-'));
  writeFileSync(join(workspace, 'echo.mjs'), "process.stdout.write('ran ' + process.env.ENSEMBLE_TASK_ID);");
});

afterAll(() => {
  rmSync(workspace, { recursive: true, force: true });
});

function definition(name: string, fields: Partial<AgentDefinition> = {}): AgentDefinition {
  return { name, description: `${name} agent`, category: 'general', runtime: 'llm', tools: [], prompt: '', source: 'test', extra: {}, ...fields };
}

function task(input: Partial<TaskInput> & { agentName: string }): TaskSpec {
  return taskSpecSchema.parse({ id: 'task-1', ...input });
}

function request(spec: TaskSpec): TaskRequest {
  return { runId: 'run-1', task: spec, attempt: 1, executionId: `run-1:${spec.id}:1`, inputs: [{ taskId: 'before', agentName: 'x', output: 'earlier output' }], permissions: 'edit', context: [] };
}

function registryOf(...definitions: AgentDefinition[]): AgentRegistry {
  const registry = new AgentRegistry();
  for (const item of definitions) registry.register(item);
  return registry;
}

const signal = new AbortController().signal;

async function failureOf(promise: Promise<TaskOutcome>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (!isEnsembleError(error)) throw error;
    return { code: error.code, message: error.message };
  }
  throw new Error('expected a failure');
}

describe('LocalDispatcher', () => {
  const registry = registryOf(
    definition('thinker'),
    definition('tiered', { model: 'opus' }),
    definition('offline', { runtime: 'simulated' }),
    definition('linter', { runtime: 'command', command: [process.execPath, 'echo.mjs'] }),
    definition('coder', { runtime: 'cli', command: [process.execPath, 'echo.mjs', '{prompt}'] }),
    definition('shadowed', { runtime: 'command', command: ['/nonexistent'] }),
  );

  it('describes how each kind of agent runs', () => {
    const shadow: InProcessAgent = { name: 'shadowed', run: () => 'in process' };
    const dispatcher = new LocalDispatcher({ registry, inProcess: new Map([['shadowed', shadow]]) });
    expect(dispatcher.describe(task({ agentName: 'shadowed' }))).toEqual({ runtime: 'in-process', model: 'in-process' });
    expect(dispatcher.describe(task({ agentName: 'linter' }))).toEqual({ runtime: 'command', model: 'n/a' });
    expect(dispatcher.describe(task({ agentName: 'coder' }))).toEqual({ runtime: 'cli', model: 'n/a' });
    expect(dispatcher.describe(task({ agentName: 'thinker' }))).toEqual({ runtime: 'simulated', model: 'simulated:sonnet' });
    expect(dispatcher.describe(task({ agentName: 'offline' }))).toEqual({ runtime: 'simulated', model: 'simulated:sonnet' });
    expect(dispatcher.describe(task({ agentName: 'tiered' }))).toEqual({ runtime: 'simulated', model: 'simulated:opus' });
  });

  it('chooses the model: the task, then the run, then the agent, then sonnet', () => {
    const dispatcher = new LocalDispatcher({ registry, inProcess: new Map(), runModel: 'haiku' });
    expect(dispatcher.describe(task({ agentName: 'tiered', model: 'openai:gpt-4o' })).model).toBe('simulated:openai:gpt-4o');
    expect(dispatcher.describe(task({ agentName: 'tiered' })).model).toBe('simulated:haiku');
  });

  it('runs llm agents on the simulated runtime, labelled, with the chosen model', async () => {
    const dispatcher = new LocalDispatcher({ registry, inProcess: new Map(), simulatedLatencyMs: 0 });
    const outcome = await dispatcher.dispatch(request(task({ agentName: 'tiered', prompt: 'Plan the cache' })), recordingDispatchContext(signal, workspace));
    expect(outcome.output.startsWith(`${SIMULATED_LABEL}\n`)).toBe(true);
    expect(outcome.output).toContain('`before` (x): "earlier output"');
    expect(outcome.model).toBe('simulated:opus');
  });

  it('runs command and cli agents as processes in the workspace', async () => {
    const dispatcher = new LocalDispatcher({ registry, inProcess: new Map() });
    const outcome = await dispatcher.dispatch(request(task({ id: 'lint-1', agentName: 'linter' })), recordingDispatchContext(signal, workspace));
    expect(outcome.output).toBe('ran lint-1');
    expect(outcome.evidence).toMatchObject({ runtime: 'command', exitCode: 0 });
    const cli = await dispatcher.dispatch(request(task({ id: 'code-1', agentName: 'coder' })), recordingDispatchContext(signal, workspace));
    expect(cli.evidence).toMatchObject({ runtime: 'cli', command: [process.execPath, 'echo.mjs', '{prompt}'] });
  });

  it('rejects an unknown agent with UNKNOWN_AGENT from describe and dispatch', async () => {
    const dispatcher = new LocalDispatcher({ registry, inProcess: new Map() });
    expect(() => dispatcher.describe(task({ agentName: 'ghost' }))).toThrow('unknown agent "ghost"');
    expect(await failureOf(dispatcher.dispatch(request(task({ agentName: 'ghost' })), recordingDispatchContext(signal, workspace)))).toEqual({
      code: 'UNKNOWN_AGENT',
      message: 'unknown agent "ghost"',
    });
  });

  describe('in-process agents', () => {
    it('wins over a file agent of the same name and receives the task and its context', async () => {
      let seen: { task: TaskSpec; context: InProcessAgentContext } | undefined;
      const agent: InProcessAgent = {
        name: 'shadowed',
        run: (taskSpec, context) => {
          seen = { task: taskSpec, context };
          return `done ${taskSpec.id}`;
        },
      };
      const dispatcher = new LocalDispatcher({ registry, inProcess: new Map([['shadowed', agent]]) });
      const spec = task({ agentName: 'shadowed' });
      const context = recordingDispatchContext(signal, workspace);
      const outcome = await dispatcher.dispatch(request(spec), context);
      expect(outcome).toEqual({ output: 'done task-1' });
      expect(seen?.task).toBe(spec);
      expect(seen?.context).toMatchObject({
        signal,
        inputs: request(spec).inputs,
        context: [],
        runId: 'run-1',
        attempt: 1,
        reportOutput: context.reportOutput,
        reportUsage: context.reportUsage,
      });
      expect(typeof seen?.context.bus.send).toBe('function');
      expect(typeof seen?.context.shared.update).toBe('function');
    });

    it('accepts async results and full outcomes', async () => {
      const outcome: TaskOutcome = { output: 'full', usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 } };
      const agents = new Map<string, InProcessAgent>([
        ['async-text', { name: 'async-text', run: async () => 'later' }],
        ['full', { name: 'full', run: () => outcome }],
        ['async-full', { name: 'async-full', run: () => Promise.resolve(outcome) }],
      ]);
      const dispatcher = new LocalDispatcher({ registry, inProcess: agents });
      expect(await dispatcher.dispatch(request(task({ agentName: 'async-text' })), recordingDispatchContext(signal, workspace))).toEqual({ output: 'later' });
      expect(await dispatcher.dispatch(request(task({ agentName: 'full' })), recordingDispatchContext(signal, workspace))).toBe(outcome);
      expect(await dispatcher.dispatch(request(task({ agentName: 'async-full' })), recordingDispatchContext(signal, workspace))).toBe(outcome);
    });

    it('fails a result without a string output with AGENT_FAILED naming the agent', async () => {
      const agents = new Map<string, InProcessAgent>([
        ['bad', { name: 'bad', run: () => ({ output: 42 }) as unknown as TaskOutcome }],
        ['bad-async', { name: 'bad-async', run: async () => null as unknown as string }],
      ]);
      const dispatcher = new LocalDispatcher({ registry, inProcess: agents });
      expect(await failureOf(dispatcher.dispatch(request(task({ agentName: 'bad' })), recordingDispatchContext(signal, workspace)))).toEqual({
        code: 'AGENT_FAILED',
        message: 'in-process agent "bad" returned an object without a string "output"; expected a string or {output: string}',
      });
      expect((await failureOf(dispatcher.dispatch(request(task({ agentName: 'bad-async' })), recordingDispatchContext(signal, workspace)))).message).toContain('"bad-async" returned null');
    });

    it('passes an agent\'s own error through as a rejection, thrown or rejected', async () => {
      const thrown = new Error('sync failure');
      const agents = new Map<string, InProcessAgent>([
        ['throws', { name: 'throws', run: () => { throw thrown; } }],
        ['rejects', { name: 'rejects', run: () => Promise.reject(thrown) }],
      ]);
      const dispatcher = new LocalDispatcher({ registry, inProcess: agents });
      await expect(dispatcher.dispatch(request(task({ agentName: 'throws' })), recordingDispatchContext(signal, workspace))).rejects.toBe(thrown);
      await expect(dispatcher.dispatch(request(task({ agentName: 'rejects' })), recordingDispatchContext(signal, workspace))).rejects.toBe(thrown);
    });

    it('sees agents registered process-wide after the dispatcher was made', async () => {
      const dispatcher = new LocalDispatcher({ registry });
      registerAgent({ name: 'late-comer', run: (taskSpec) => `hello ${taskSpec.prompt}` });
      try {
        expect(dispatcher.describe(task({ agentName: 'late-comer' })).runtime).toBe('in-process');
        expect(await dispatcher.dispatch(request(task({ agentName: 'late-comer', prompt: 'there' })), recordingDispatchContext(signal, workspace))).toEqual({ output: 'hello there' });
      } finally {
        unregisterAgent('late-comer');
      }
    });
  });
});
