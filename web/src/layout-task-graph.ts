import dagre, { type GraphLabel } from '@dagrejs/dagre';

/** Size of a task's box in the graph, in CSS pixels: room for its id, agent and status line. */
export const NODE_WIDTH_PX = 220;
export const NODE_HEIGHT_PX = 76;
const MARGIN_PX = 24;
/** Past this many tasks one layout is computed, not two (dagre takes seconds on thousands of nodes). */
const MAX_TASKS_FOR_TWO_LAYOUTS = 200;

export interface GraphPoint {
  readonly x: number;
  readonly y: number;
}

/** A dependency drawn from the task needed (`from`) to the task needing it (`to`). */
export interface GraphEdge {
  readonly from: string;
  readonly to: string;
  readonly points: readonly GraphPoint[];
}

export interface TaskGraphLayout {
  readonly direction: 'TB' | 'LR';
  readonly width: number;
  readonly height: number;
  /** Top-left corner of each task's box. */
  readonly nodes: ReadonlyMap<string, GraphPoint>;
  readonly edges: readonly GraphEdge[];
}

export interface GraphTask {
  readonly taskId: string;
  readonly dependencies: readonly string[];
}

/** The layouts of one graph to choose from as the room changes: top-down, and left-right unless the graph is big. */
export interface TaskGraphLayouts {
  readonly topDown: TaskGraphLayout;
  readonly leftRight?: TaskGraphLayout;
}

/** Lays out a run's tasks with dagre, dependencies pointing down, and (for graphs up to 200 tasks) pointing right. */
export function layoutTaskGraph(tasks: readonly GraphTask[]): TaskGraphLayouts {
  const topDown = layoutInDirection(tasks, 'TB');
  if (tasks.length > MAX_TASKS_FOR_TWO_LAYOUTS) return { topDown };
  return { topDown, leftRight: layoutInDirection(tasks, 'LR') };
}

/**
 * The layout that needs the least shrinking to fit the viewport: a long pipeline reads left to
 * right in a wide window, a wide fan-out top to bottom; top-down unless left-right is clearly better.
 */
export function pickLayout(layouts: TaskGraphLayouts, viewport: { readonly width: number; readonly height: number }): TaskGraphLayout {
  const { topDown, leftRight } = layouts;
  if (leftRight === undefined) return topDown;
  return fitScale(leftRight, viewport) > fitScale(topDown, viewport) * 1.1 ? leftRight : topDown;
}

/** How much a layout must shrink to fit the viewport (1 when it fits). */
function fitScale(layout: TaskGraphLayout, viewport: { readonly width: number; readonly height: number }): number {
  return Math.min(1, viewport.width / layout.width, viewport.height / layout.height);
}

function layoutInDirection(tasks: readonly GraphTask[], direction: 'TB' | 'LR'): TaskGraphLayout {
  const graph = new dagre.graphlib.Graph<GraphLabel>();
  graph.setGraph({ rankdir: direction, nodesep: 28, ranksep: direction === 'TB' ? 56 : 72, marginx: MARGIN_PX, marginy: MARGIN_PX });
  graph.setDefaultEdgeLabel(() => ({}));
  const known = new Set(tasks.map((task) => task.taskId));
  for (const task of tasks) graph.setNode(task.taskId, { width: NODE_WIDTH_PX, height: NODE_HEIGHT_PX });
  for (const task of tasks) for (const dependency of task.dependencies) if (known.has(dependency)) graph.setEdge(dependency, task.taskId);
  dagre.layout(graph);
  const nodes = new Map<string, GraphPoint>();
  for (const task of tasks) {
    const placed = graph.node(task.taskId) as { x: number; y: number } | undefined;
    if (placed !== undefined) nodes.set(task.taskId, { x: placed.x - NODE_WIDTH_PX / 2, y: placed.y - NODE_HEIGHT_PX / 2 });
  }
  const edges = graph.edges().map((edge: { readonly v: string; readonly w: string }): GraphEdge => {
    const label = graph.edge(edge) as { points?: GraphPoint[] } | undefined;
    return { from: edge.v, to: edge.w, points: label?.points ?? [] };
  });
  const size = graph.graph();
  return { direction, width: Math.max(size.width ?? 0, NODE_WIDTH_PX + 2 * MARGIN_PX), height: Math.max(size.height ?? 0, NODE_HEIGHT_PX + 2 * MARGIN_PX), nodes, edges };
}
