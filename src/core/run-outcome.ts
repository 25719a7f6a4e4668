import { serializeError, type EnsembleError, type SerializedError } from './errors.js';
import type { TaskSpec } from './schema.js';
import { TASK_STATUS_CODES } from './task-status-codes.js';
import { TASK_STATUSES, type BudgetStop, type RunOutcome, type RunStatus, type RunSummary, type TaskResult } from './types.js';

const { SUCCEEDED, FAILED, SKIPPED, CANCELLED } = TASK_STATUS_CODES;

/** Each task of a finished run, by graph index: the scheduler's own arrays. */
export interface FinishedTasks {
  readonly tasks: readonly TaskSpec[];
  /** {@link TASK_STATUS_CODES} */
  readonly status: Uint8Array;
  readonly attempts: Int32Array;
  /** Of the last attempt, in ms. */
  readonly durations: Float64Array;
  /** Of all attempts, across resumes. */
  readonly tokens: Float64Array;
  readonly costs: Float64Array;
  readonly outputs: readonly (string | undefined)[];
  readonly errors: readonly (SerializedError | undefined)[];
  /** Tool calls that ended in the run, earlier executions included. @default 0 */
  readonly toolCalls?: number;
  /** Context tokens handed to tasks, earlier executions included. @default 0 */
  readonly contextTokens?: number;
}

/**
 * The outcome of a run whose tasks have all ended: each task's result and the summary (counts,
 * spend, wall time, the tasks a spending cap stopped). A run stopped by `stopReason` is cancelled
 * (a cancel), interrupted (its process shut down) or failed (its global timeout) and carries the reason; otherwise it failed if a task
 * failed or was skipped, and succeeded if not.
 */
export function buildRunOutcome(
  runId: string,
  finished: FinishedTasks,
  elapsedMs: number,
  stopReason: EnsembleError | undefined,
): RunOutcome {
  const { tasks, status, attempts, durations, tokens, costs, outputs, errors } = finished;
  const results: TaskResult[] = [];
  const counts = new Int32Array(TASK_STATUSES.length);
  let totalTokens = 0;
  let totalCost = 0;
  const budgetStops: BudgetStop[] = [];
  for (let index = 0; index < tasks.length; index++) {
    const task = tasks[index] as TaskSpec;
    const state = status[index]!;
    counts[state]!++;
    totalTokens += tokens[index]!;
    totalCost += costs[index]!;
    const output = outputs[index];
    const error = errors[index];
    results.push({
      taskId: task.id,
      agentName: task.agentName,
      status: TASK_STATUSES[state]!,
      ...(output === undefined ? {} : { output }),
      ...(error === undefined ? {} : { error }),
      attempts: attempts[index]!,
      durationMs: durations[index]!,
      tokensUsed: tokens[index]!,
      costUsd: costs[index]!,
    });
    if (error?.code === 'BUDGET_EXCEEDED') budgetStops.push(toBudgetStop(task.id, error));
  }
  const summary: RunSummary = {
    totalTasks: tasks.length,
    successfulTasks: counts[SUCCEEDED]!,
    failedTasks: counts[FAILED]!,
    skippedTasks: counts[SKIPPED]!,
    cancelledTasks: counts[CANCELLED]!,
    totalTokens,
    totalCost,
    totalDuration: Math.max(0, Math.round(elapsedMs)),
    toolCalls: finished.toolCalls ?? 0,
    contextTokens: finished.contextTokens ?? 0,
    ...(budgetStops.length === 0 ? {} : { budgetStops }),
  };
  if (stopReason !== undefined) {
    const runStatus: RunStatus = stopReason.code === 'RUN_CANCELLED' ? 'cancelled' : stopReason.code === 'RUN_INTERRUPTED' ? 'interrupted' : 'failed';
    return { runId, status: runStatus, summary, results, error: serializeError(stopReason) };
  }
  const runStatus: RunStatus = summary.failedTasks > 0 || summary.skippedTasks > 0 ? 'failed' : 'succeeded';
  return { runId, status: runStatus, summary, results };
}

function toBudgetStop(taskId: string, error: SerializedError): BudgetStop {
  const cap = error.details?.['cap'];
  const name = error.details?.['name'];
  return { taskId, cap: typeof cap === 'string' ? cap : 'unknown', name: typeof name === 'string' ? name : '' };
}
