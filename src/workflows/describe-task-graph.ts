import type { TaskGraph } from '../core/index.js';

/** One task of a {@link TaskGraphView}. */
export interface TaskGraphNode {
  readonly id: string;
  readonly agentName: string;
  readonly description: string;
  readonly priority: number;
  /** Topological level from 0: the wave the task belongs to (as in `wave:start` events). */
  readonly level: number;
  readonly dependencies: readonly string[];
}

/** An edge from a task to one that needs its output. */
export interface TaskGraphEdge {
  readonly from: string;
  readonly to: string;
}

/** A workflow's task graph as data, for `workflows show --json`, route plans and the HTTP API. */
export interface TaskGraphView {
  /** By level, then in the workflow's order. */
  readonly nodes: readonly TaskGraphNode[];
  /** In the order of the nodes they lead to, each node's dependencies in the order it lists them. */
  readonly edges: readonly TaskGraphEdge[];
  /** Task ids per level: tasks of one level may run side by side. */
  readonly levels: readonly (readonly string[])[];
}

/** The nodes, edges and levels of a validated task graph (from core's `validateGraph`). */
export function describeTaskGraph(graph: TaskGraph): TaskGraphView {
  const levels: string[][] = Array.from({ length: graph.levelCount }, () => []);
  const nodesByLevel: TaskGraphNode[][] = Array.from({ length: graph.levelCount }, () => []);
  graph.tasks.forEach((task, index) => {
    const level = graph.levels[index] ?? 0;
    levels[level]?.push(task.id);
    nodesByLevel[level]?.push({
      id: task.id,
      agentName: task.agentName,
      description: task.description,
      priority: task.priority,
      level,
      dependencies: [...task.dependencies],
    });
  });
  const nodes = nodesByLevel.flat();
  const edges = nodes.flatMap((node) => node.dependencies.map((dependency) => ({ from: dependency, to: node.id })));
  return { nodes, edges, levels };
}
