import { describe, expect, it } from 'vitest';
import { EnsembleError, serializeError, type SerializedError } from './errors.js';
import { buildRunOutcome, type FinishedTasks } from './run-outcome.js';
import { taskSpecSchema } from './schema.js';
import { TASK_STATUS_CODES } from './task-status-codes.js';

const { SUCCEEDED, FAILED, SKIPPED, CANCELLED } = TASK_STATUS_CODES;

function finished(statuses: readonly number[], errors: readonly (SerializedError | undefined)[] = []): FinishedTasks {
  const count = statuses.length;
  return {
    tasks: statuses.map((_, index) => taskSpecSchema.parse({ id: `t${index}`, agentName: 'worker' })),
    status: Uint8Array.from(statuses),
    attempts: new Int32Array(count).fill(1),
    durations: new Float64Array(count).fill(10),
    tokens: new Float64Array(count).fill(3),
    costs: new Float64Array(count).fill(0.5),
    outputs: statuses.map((status, index) => (status === SUCCEEDED ? `out:t${index}` : undefined)),
    errors: [...errors],
  };
}

describe('buildRunOutcome', () => {
  it('succeeds when every task succeeded, with totals of every task and the elapsed time rounded', () => {
    const outcome = buildRunOutcome('run-1', finished([SUCCEEDED, SUCCEEDED]), 1234.6, undefined);
    expect(outcome.status).toBe('succeeded');
    expect(outcome.error).toBeUndefined();
    expect(outcome.summary).toEqual({
      totalTasks: 2,
      successfulTasks: 2,
      failedTasks: 0,
      skippedTasks: 0,
      cancelledTasks: 0,
      totalTokens: 6,
      totalCost: 1,
      totalDuration: 1235,
      toolCalls: 0,
      contextTokens: 0,
    });
    expect(outcome.results[0]).toEqual({ taskId: 't0', agentName: 'worker', status: 'succeeded', output: 'out:t0', attempts: 1, durationMs: 10, tokensUsed: 3, costUsd: 0.5 });
  });

  it('fails when a task failed or was skipped, and lists the tasks a spending cap stopped', () => {
    const capped = serializeError(new EnsembleError('BUDGET_EXCEEDED', 'over', { details: { cap: 'agent', name: 'worker' } }));
    const outcome = buildRunOutcome('run-1', finished([FAILED, SKIPPED], [capped]), 5, undefined);
    expect(outcome.status).toBe('failed');
    expect(outcome.summary.budgetStops).toEqual([{ taskId: 't0', cap: 'agent', name: 'worker' }]);
  });

  it('is cancelled by a cancel and failed by the global timeout, carrying the reason', () => {
    const cancelled = buildRunOutcome('run-1', finished([SUCCEEDED, CANCELLED]), 5, new EnsembleError('RUN_CANCELLED', 'stop'));
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.error?.code).toBe('RUN_CANCELLED');
    expect(cancelled.summary.cancelledTasks).toBe(1);
    const timedOut = buildRunOutcome('run-1', finished([CANCELLED]), 5, new EnsembleError('RUN_TIMEOUT', 'late'));
    expect(timedOut.status).toBe('failed');
  });

  it('never reports a negative duration', () => {
    expect(buildRunOutcome('run-1', finished([SUCCEEDED]), -3, undefined).summary.totalDuration).toBe(0);
  });
});
