import type { RunEvent } from './events.js';
import { foldRunEvents, runElapsedMs, type RunState } from './run-state.js';
import type { SchedulerPrior } from './scheduler.js';
import type { PriorTaskResult, TaskSpend } from './types.js';

/**
 * What a resume hands the scheduler, derived from the run's state: the tasks that succeeded (with
 * their outputs and the spend of all their attempts), the attempts every task made, what the
 * attempts of unfinished tasks spent, the wall time of the earlier executions, and the next seq.
 */
export function toResumePrior(state: RunState): SchedulerPrior {
  const completed = new Map<string, PriorTaskResult>();
  const attempts = new Map<string, number>();
  const spend = new Map<string, TaskSpend>();
  for (const task of state.tasks.values()) {
    if (task.attempts > 0) attempts.set(task.taskId, task.attempts);
    if (task.status === 'succeeded') {
      completed.set(task.taskId, { output: task.output ?? '', usage: task.usage, costUsd: task.costUsd, durationMs: task.durationMs ?? 0 });
    } else if (task.usage.totalTokens > 0 || task.costUsd > 0) {
      spend.set(task.taskId, { usage: task.usage, costUsd: task.costUsd });
    }
  }
  return { completed, nextSeq: state.lastSeq + 1, attempts, spend, elapsedMs: runElapsedMs(state) };
}

/** {@link toResumePrior} of a run's journaled events, in seq order. */
export function resumePriorFromEvents(events: Iterable<RunEvent>): SchedulerPrior {
  return toResumePrior(foldRunEvents(events));
}
