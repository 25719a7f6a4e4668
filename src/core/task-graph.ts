import type { TaskSpec } from './schema.js';

/**
 * A validated, acyclic task graph in compact index form. Edges are stored as CSR arrays
 * (offsets + targets) so that 50,000-task graphs stay small and fast to walk.
 */
export interface TaskGraph {
  readonly tasks: readonly TaskSpec[];
  readonly indexById: ReadonlyMap<string, number>;
  /** `dependencies[dependencyOffsets[i] .. dependencyOffsets[i+1])` are the task indexes task i needs. */
  readonly dependencyOffsets: Int32Array;
  readonly dependencies: Int32Array;
  /** `dependents[dependentOffsets[i] .. dependentOffsets[i+1])` are the task indexes that need task i. */
  readonly dependentOffsets: Int32Array;
  readonly dependents: Int32Array;
  /** Every task index, dependencies before dependents. */
  readonly topologicalOrder: Int32Array;
  /** Topological level: 0 for tasks without dependencies, else 1 + the deepest dependency's level. */
  readonly levels: Int32Array;
  readonly levelCount: number;
}

/**
 * Builds the index form. Returns the graph even when it has cycles: `topologicalOrder` then
 * holds fewer than `tasks.length` entries, which is how {@link validateGraph} detects them.
 * Unknown dependency ids are ignored here (validation reports them).
 */
export function buildTaskGraph(tasks: readonly TaskSpec[], indexById: ReadonlyMap<string, number>): TaskGraph {
  const taskCount = tasks.length;
  const dependencyOffsets = new Int32Array(taskCount + 1);
  const indegree = new Int32Array(taskCount);
  const outdegree = new Int32Array(taskCount);
  let edgeCount = 0;
  for (let i = 0; i < taskCount; i++) {
    dependencyOffsets[i] = edgeCount;
    for (const dependencyId of (tasks[i] as TaskSpec).dependencies) {
      const dependency = indexById.get(dependencyId);
      if (dependency === undefined) continue;
      edgeCount++;
    }
  }
  dependencyOffsets[taskCount] = edgeCount;
  const dependencies = new Int32Array(edgeCount);
  let cursor = 0;
  for (let i = 0; i < taskCount; i++) {
    for (const dependencyId of (tasks[i] as TaskSpec).dependencies) {
      const dependency = indexById.get(dependencyId);
      if (dependency === undefined) continue;
      dependencies[cursor++] = dependency;
      indegree[i]!++;
      outdegree[dependency]!++;
    }
  }

  const dependentOffsets = new Int32Array(taskCount + 1);
  for (let i = 0; i < taskCount; i++) dependentOffsets[i + 1] = dependentOffsets[i]! + outdegree[i]!;
  const dependents = new Int32Array(edgeCount);
  const fill = dependentOffsets.slice(0, taskCount);
  for (let i = 0; i < taskCount; i++) {
    for (let edge = dependencyOffsets[i]!; edge < dependencyOffsets[i + 1]!; edge++) {
      const dependency = dependencies[edge]!;
      dependents[fill[dependency]!++] = i;
    }
  }

  // Kahn's algorithm; levels follow from the order.
  const topologicalOrder = new Int32Array(taskCount);
  const levels = new Int32Array(taskCount);
  let head = 0;
  let tail = 0;
  const remaining = indegree;
  for (let i = 0; i < taskCount; i++) if (remaining[i] === 0) topologicalOrder[tail++] = i;
  let levelCount = taskCount > 0 ? 1 : 0;
  while (head < tail) {
    const task = topologicalOrder[head++]!;
    const nextLevel = levels[task]! + 1;
    for (let edge = dependentOffsets[task]!; edge < dependentOffsets[task + 1]!; edge++) {
      const dependent = dependents[edge]!;
      if (levels[dependent]! < nextLevel) levels[dependent] = nextLevel;
      if (--remaining[dependent]! === 0) {
        topologicalOrder[tail++] = dependent;
        if (nextLevel + 1 > levelCount) levelCount = nextLevel + 1;
      }
    }
  }

  return {
    tasks,
    indexById,
    dependencyOffsets,
    dependencies,
    dependentOffsets,
    dependents,
    topologicalOrder: tail === taskCount ? topologicalOrder : topologicalOrder.slice(0, tail),
    levels,
    levelCount,
  };
}
