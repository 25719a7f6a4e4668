import { describe, expect, it } from 'vitest';
import { assertValidGraph, taskSpecSchema, validateGraph } from '../../core/index.js';
import type { TaskInput, TaskSpec } from '../../core/index.js';
import { PROVIDER_POLICY_DEFAULTS } from '../../config/index.js';
import { parseAgentDefinition } from '../registry/parse-agent-definition.js';
import type { AgentDefinition } from '../registry/parse-agent-definition.js';
import type { LlmRuntime } from './llm-runtime.js';
import type { LlmModelUse } from './check-llm-models.js';
import { prepareLlmRun } from './prepare-llm-run.js';

const agents = new Map<string, AgentDefinition>(
  [
    '---\nname: writer\ndescription: d\nmodel: opus\n---\nWrite.\n',
    '---\nname: slow-writer\ndescription: d\ntimeoutMs: 1200000\n---\nWrite slowly.\n',
    '---\nname: tests\ndescription: d\nruntime: command\ncommand: ["npm", "test"]\n---\n',
  ].map((text) => {
    const agent = parseAgentDefinition(text, 'test');
    return [agent.name, agent] as const;
  }),
);

const graphOf = (tasks: TaskInput[]) => assertValidGraph(validateGraph(tasks.map((task) => taskSpecSchema.parse(task)), { isKnownAgent: () => true }));

/** A runtime whose `prepare` records what it was asked to check. */
function recordingRuntime(): { runtime: LlmRuntime; checked: LlmModelUse[][] } {
  const checked: LlmModelUse[][] = [];
  const runtime: LlmRuntime = {
    kind: 'llm',
    provider: 'openai',
    describeModel: (reference) => `openai:${reference}`,
    prepare: async (uses) => void checked.push([...uses]),
    run: () => Promise.reject(new Error('not called')),
  };
  return { runtime, checked };
}

const base = {
  agentOf: (task: { agentName: string }) => agents.get(task.agentName),
  modelOf: (task: TaskSpec, agent: AgentDefinition) => task.model ?? agent.model ?? 'sonnet',
  taskTimeoutMs: PROVIDER_POLICY_DEFAULTS.taskTimeoutMs,
};

describe('prepareLlmRun', () => {
  it('issue 6: gives llm tasks a default attempt timeout and retry policy, leaving what tasks and agents set and other runtimes alone', async () => {
    const { runtime, checked } = recordingRuntime();
    const graph = graphOf([
      { id: 'plain', agentName: 'writer' },
      { id: 'own', agentName: 'writer', timeoutMs: 5000, retry: { max: 0 }, budget: { costUsd: 1 } },
      { id: 'agent-timeout', agentName: 'slow-writer', model: 'haiku' },
      { id: 'command', agentName: 'tests' },
      { id: 'in-process', agentName: 'unknown-in-process' },
    ]);
    const prepared = await prepareLlmRun(graph, { ...base, runtime, caps: { tasks: { own: { costUsd: 1 } } }, taskRetry: PROVIDER_POLICY_DEFAULTS.taskRetry });
    const byId = new Map(prepared.tasks.map((task) => [task.id, task]));
    expect(byId.get('plain')).toMatchObject({ timeoutMs: 600_000, retry: { max: 3, backoffMs: 2000, maxBackoffMs: 30_000 } });
    expect(byId.get('own')).toMatchObject({ timeoutMs: 5000, retry: { max: 0 } });
    expect(byId.get('agent-timeout')).toMatchObject({ timeoutMs: 1_200_000, retry: { max: 3 } });
    expect(byId.get('command')!.timeoutMs).toBeUndefined();
    expect(byId.get('command')!.retry).toBeUndefined();
    expect(byId.get('in-process')!.retry).toBeUndefined();
    expect(checked).toEqual([
      [
        { taskId: 'plain', reference: 'opus', hasCostCap: false },
        { taskId: 'own', reference: 'opus', hasCostCap: true },
        { taskId: 'agent-timeout', reference: 'haiku', hasCostCap: false },
      ],
    ]);
  });

  it('leaves the retry to the run when the run sets a policy, and does nothing without an llm runtime', async () => {
    const { runtime } = recordingRuntime();
    const graph = graphOf([{ id: 'plain', agentName: 'writer' }]);
    const prepared = await prepareLlmRun(graph, { ...base, runtime, caps: {}, taskRetry: undefined });
    expect(prepared.tasks[0]).toMatchObject({ timeoutMs: 600_000 });
    expect(prepared.tasks[0]!.retry).toBeUndefined();
    expect(await prepareLlmRun(graph, { ...base, runtime: undefined, caps: {}, taskRetry: PROVIDER_POLICY_DEFAULTS.taskRetry })).toBe(graph);
  });
});
