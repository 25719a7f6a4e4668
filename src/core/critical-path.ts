import type { TaskGraph } from './task-graph.js';

/**
 * Estimated duration of each task, in ms: the task's `estimatedMs`, else the agent's median past
 * duration, else the median of the estimates known for this run, else one unit.
 */
export function estimateTaskDurations(graph: TaskGraph, agentMedianMs: ReadonlyMap<string, number>): Float64Array {
  const durations = new Float64Array(graph.tasks.length).fill(Number.NaN);
  const known: number[] = [];
  graph.tasks.forEach((task, index) => {
    const estimate = task.estimatedMs ?? agentMedianMs.get(task.agentName);
    if (estimate !== undefined) {
      durations[index] = estimate;
      known.push(estimate);
    }
  });
  const fallback = known.length > 0 ? median(known) : 1;
  for (let index = 0; index < durations.length; index++) {
    if (Number.isNaN(durations[index])) durations[index] = fallback;
  }
  return durations;
}

/** For each task, the length of the longest path from its start to the end of the graph. */
export function computeCriticalPath(graph: TaskGraph, durations: Float64Array): Float64Array {
  const remaining = new Float64Array(graph.tasks.length);
  const order = graph.topologicalOrder;
  for (let position = order.length - 1; position >= 0; position--) {
    const task = order[position]!;
    let longestAfter = 0;
    for (let edge = graph.dependentOffsets[task]!; edge < graph.dependentOffsets[task + 1]!; edge++) {
      const after = remaining[graph.dependents[edge]!]!;
      if (after > longestAfter) longestAfter = after;
    }
    remaining[task] = durations[task]! + longestAfter;
  }
  return remaining;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
