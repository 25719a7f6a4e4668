import type { TaskGraph } from '../core/index.js';

/** A task's ancestors found by {@link walkAncestors}. */
export interface AncestorWalk {
  /** Direct dependencies, in declaration order, without repeats. */
  readonly dependencies: readonly number[];
  /** Indirect ancestors (distance 2 or more), nearest first, at most the walk's limit. */
  readonly ancestors: readonly number[];
  /** False when the limit stopped the walk: farther ancestors exist and are not listed. */
  readonly isComplete: boolean;
  /** Whether `index` is a direct dependency or an ancestor, exact even when the walk stopped early (valid until the next walk with the same marks). */
  isAncestor(index: number): boolean;
}

/**
 * Which graph indexes a walk has seen, as generation stamps in one array reused by every walk of a
 * run: a task start then costs no allocation proportional to the graph, nor a Set.
 */
export class VisitMarks {
  private marks = new Int32Array(0);
  private generation = 0;

  /** Starts a walk over a graph of `size` tasks: nothing is marked. */
  begin(size: number): void {
    if (this.marks.length < size) this.marks = new Int32Array(Math.max(size, this.marks.length * 2));
    if (this.generation === 0x7fffffff) {
      this.marks.fill(0);
      this.generation = 0;
    }
    this.generation++;
  }

  mark(index: number): void {
    this.marks[index] = this.generation;
  }

  has(index: number): boolean {
    return this.marks[index] === this.generation;
  }
}

/** The direct dependencies of a task, in declaration order, without repeats. */
export function directDependencies(graph: TaskGraph, index: number): number[] {
  const dependencies: number[] = [];
  for (let edge = graph.dependencyOffsets[index]!; edge < graph.dependencyOffsets[index + 1]!; edge++) {
    const dependency = graph.dependencies[edge]!;
    if (!dependencies.includes(dependency)) dependencies.push(dependency);
  }
  return dependencies;
}

/**
 * Breadth-first over dependencies, so ancestors come nearest first (ties in the order the graph
 * reaches them). The limit bounds the work per task: in a 50,000-task graph a late task has tens
 * of thousands of ancestors, and walking them all for every task would be quadratic.
 */
export function walkAncestors(graph: TaskGraph, index: number, limit: number, marks: VisitMarks): AncestorWalk {
  marks.begin(graph.tasks.length);
  marks.mark(index);
  const dependencies = directDependencies(graph, index);
  for (const dependency of dependencies) marks.mark(dependency);
  const ancestors: number[] = [];
  const queue = [...dependencies];
  let isComplete = true;
  walk: for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (let edge = graph.dependencyOffsets[node]!; edge < graph.dependencyOffsets[node + 1]!; edge++) {
      const next = graph.dependencies[edge]!;
      if (marks.has(next)) continue;
      if (ancestors.length >= limit) {
        isComplete = false;
        break walk;
      }
      marks.mark(next);
      ancestors.push(next);
      queue.push(next);
    }
  }
  return {
    dependencies,
    ancestors,
    isComplete,
    isAncestor: (candidate) => (candidate !== index && marks.has(candidate)) || (!isComplete && reaches(graph, index, candidate)),
  };
}

/** Whether `target` is reachable from `from` along dependencies; levels prune the search (a dependency's level is always lower). */
function reaches(graph: TaskGraph, from: number, target: number): boolean {
  const targetLevel = graph.levels[target]!;
  const visited = new Set<number>([from]);
  const stack = [from];
  while (stack.length > 0) {
    const node = stack.pop()!;
    for (let edge = graph.dependencyOffsets[node]!; edge < graph.dependencyOffsets[node + 1]!; edge++) {
      const next = graph.dependencies[edge]!;
      if (next === target) return true;
      if (visited.has(next) || graph.levels[next]! <= targetLevel) continue;
      visited.add(next);
      stack.push(next);
    }
  }
  return false;
}
