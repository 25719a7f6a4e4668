import type { RunState, RunStatus, SerializedError, TaskSpec } from '../../core/index.js';
import type { RunRecord, RunStore } from '../../store/index.js';

/** One run as `GET /api/runs` lists it. Times are epoch ms. */
export interface RunListItem {
  readonly runId: string;
  readonly workflowName: string;
  readonly workflowId?: string;
  readonly status: RunStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly finishedAt?: number;
  readonly totalTasks: number;
  /** Tasks that reached an end state (succeeded, failed, skipped, cancelled). */
  readonly finishedTasks: number;
  readonly successfulTasks: number;
  readonly failedTasks: number;
  readonly totalTokens: number;
  readonly totalCost: number;
  /** Whether this server process executes it now. */
  readonly isLocal: boolean;
}

/** A run's tasks as `GET /api/runs/:id` gives them: what was asked of each agent. */
export interface RunTaskView {
  readonly id: string;
  readonly agentName: string;
  readonly description: string;
  readonly prompt: string;
  readonly dependencies: readonly string[];
  readonly priority: number;
}

const FINISHED = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

/**
 * The list entry of a run: from its summary once an execution ended; while it runs, from the
 * live state this server folds (its own runs) or the journal's task rows (another process's).
 */
export function toRunListItem(record: RunRecord, store: RunStore, live: RunState | undefined): RunListItem {
  const base = {
    runId: record.runId,
    workflowName: record.workflowName,
    ...(record.workflowId === undefined ? {} : { workflowId: record.workflowId }),
    status: record.status,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.finishedAt === undefined ? {} : { finishedAt: record.finishedAt }),
    isLocal: live !== undefined,
  };
  const summary = record.summary;
  if (record.status !== 'running' && summary !== undefined) {
    return {
      ...base,
      totalTasks: summary.totalTasks,
      finishedTasks: summary.successfulTasks + summary.failedTasks + summary.skippedTasks + summary.cancelledTasks,
      successfulTasks: summary.successfulTasks,
      failedTasks: summary.failedTasks,
      totalTokens: summary.totalTokens,
      totalCost: summary.totalCost,
    };
  }
  const tasks = live === undefined ? store.listTasks(record.runId) : [...live.tasks.values()];
  let finishedTasks = 0;
  let successfulTasks = 0;
  let failedTasks = 0;
  let totalTokens = 0;
  let totalCost = 0;
  for (const task of tasks) {
    if (FINISHED.has(task.status)) finishedTasks++;
    if (task.status === 'succeeded') successfulTasks++;
    if (task.status === 'failed') failedTasks++;
    totalTokens += task.usage.totalTokens;
    totalCost += task.costUsd;
  }
  return { ...base, totalTasks: tasks.length, finishedTasks, successfulTasks, failedTasks, totalTokens, totalCost };
}

/** The run's tasks (those it started with, then those added while it ran), with their prompts. */
export function toRunTaskViews(record: RunRecord, store: RunStore): RunTaskView[] {
  const tasks: readonly TaskSpec[] = [...record.spec.tasks, ...store.addedTasks(record.runId)];
  return tasks.map((task) => ({ id: task.id, agentName: task.agentName, description: task.description, prompt: task.prompt, dependencies: task.dependencies, priority: task.priority }));
}

/** The error a run ended with, as the API shows it. */
export function toRunError(record: RunRecord): { readonly code: string; readonly message: string } | undefined {
  const error: SerializedError | undefined = record.error;
  return error === undefined ? undefined : { code: error.code, message: error.message };
}
