import { buildTaskGraph, hasCostCap } from '../../core/index.js';
import type { BudgetCaps, RetryPolicy, TaskGraph, TaskSpec } from '../../core/index.js';
import type { AgentDefinition } from '../registry/index.js';
import type { LlmRuntime } from './llm-runtime.js';
import type { LlmModelUse } from './check-llm-models.js';

/** What {@link prepareLlmRun} needs to know about the run. */
export interface PrepareLlmRunOptions {
  /** The `llm` runtime; without one, `llm` agents run simulated and nothing is prepared. */
  readonly runtime: LlmRuntime | undefined;
  /** The file-defined agent a task runs, or undefined (in-process agents). */
  readonly agentOf: (task: TaskSpec) => AgentDefinition | undefined;
  /** The model reference an `llm` task resolves (task, run, agent, default). */
  readonly modelOf: (task: TaskSpec, agent: AgentDefinition) => string;
  /** The run's spending caps, for the price check under dollar caps. */
  readonly caps: BudgetCaps;
  /** Attempt timeout of `llm` tasks whose task and agent set none, in ms. */
  readonly taskTimeoutMs: number;
  /** Retry policy of `llm` tasks that set none; undefined when the run sets one, which then applies. */
  readonly taskRetry: RetryPolicy | undefined;
  readonly signal?: AbortSignal;
}

/**
 * An `llm` task with the run's default attempt timeout (the agent's, else `taskTimeoutMs`) and
 * retry policy where it sets none; the task itself when it needs neither. Also for tasks added to
 * a running graph, whose models are checked only when they run.
 */
export function withLlmTaskDefaults(task: TaskSpec, agent: AgentDefinition, options: Pick<PrepareLlmRunOptions, 'taskTimeoutMs' | 'taskRetry'>): TaskSpec {
  const needsTimeout = task.timeoutMs === undefined;
  const needsRetry = task.retry === undefined && options.taskRetry !== undefined;
  if (!needsTimeout && !needsRetry) return task;
  return {
    ...task,
    ...(needsTimeout ? { timeoutMs: agent.timeoutMs ?? options.taskTimeoutMs } : {}),
    ...(needsRetry && options.taskRetry !== undefined ? { retry: options.taskRetry } : {}),
  };
}

/**
 * Readies a run's `llm` tasks before anything is journaled: checks their models (see
 * {@link LlmRuntime.prepare}) and gives tasks without their own a default attempt timeout and
 * retry policy, since a model call can stall or meet a transient 5xx where a process agent would
 * not. Returns the graph, changed only when a default was filled in.
 */
export async function prepareLlmRun(graph: TaskGraph, options: PrepareLlmRunOptions): Promise<TaskGraph> {
  const { runtime } = options;
  if (runtime === undefined) return graph;
  const uses: LlmModelUse[] = [];
  let changed = false;
  const tasks = graph.tasks.map((task) => {
    const agent = options.agentOf(task);
    if (agent?.runtime !== 'llm') return task;
    uses.push({ taskId: task.id, reference: options.modelOf(task, agent), hasCostCap: hasCostCap(options.caps, task.id, task.agentName) });
    const prepared = withLlmTaskDefaults(task, agent, options);
    if (prepared !== task) changed = true;
    return prepared;
  });
  await runtime.prepare(uses, options.signal === undefined ? {} : { signal: options.signal });
  return changed ? buildTaskGraph(tasks, graph.indexById) : graph;
}
