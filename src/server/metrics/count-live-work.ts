import type { RunState } from '../../core/index.js';

/** What the runs executed here are doing now. */
export interface LiveWork {
  /** Pending tasks of running runs whose dependencies all succeeded: they wait only for a free slot. */
  readonly readyTasks: number;
  /** Tasks of running runs with an attempt in progress (a task waiting out a retry backoff is not one). */
  readonly runningAgents: number;
}

/**
 * Counts ready tasks and running agents over the runs as the core reducer folds them. A task whose
 * dependency is unknown to the run is not ready: the scheduler would never start it.
 */
export function countLiveWork(runs: Iterable<RunState>): LiveWork {
  let readyTasks = 0;
  let runningAgents = 0;
  for (const run of runs) {
    if (run.status !== 'running') continue;
    runningAgents += run.counts.running;
    if (run.counts.pending === 0) continue;
    for (const task of run.tasks.values()) {
      if (task.status !== 'pending') continue;
      if (task.dependencies.every((dependency) => run.tasks.get(dependency)?.status === 'succeeded')) readyTasks++;
    }
  }
  return { readyTasks, runningAgents };
}
