import dagre, { type GraphLabel } from '@dagrejs/dagre';
import { computeTaskLevels, layoutByLevels } from './layout-by-levels.js';
import { LEVEL_GAP_PX, MARGIN_PX, NODE_GAP_PX, NODE_HEIGHT_PX, NODE_WIDTH_PX, type GraphEdge, type GraphPoint, type GraphTask, type TaskGraphLayout } from './task-graph-geometry.js';

/**
 * The size of dagre's problem: boxes plus one bend per level an edge crosses. Dagre takes about
 * 0.3 s at 800 on a laptop and tens of seconds at 10,000, so past these a cheaper layout is used.
 */
const MAX_SIZE_FOR_TWO_LAYOUTS = 300;
const MAX_SIZE_FOR_DAGRE = 600;

/** The layouts of one graph to choose from as the room changes: top-down, and left-right unless the graph is big. */
export interface TaskGraphLayouts {
  readonly topDown: TaskGraphLayout;
  readonly leftRight?: TaskGraphLayout;
}

/**
 * Lays out a run's tasks with dagre, dependencies pointing down and, for smaller graphs, pointing
 * right; a graph too big for dagre to lay out in a blink gets the plain level layout.
 */
export function layoutTaskGraph(tasks: readonly GraphTask[]): TaskGraphLayouts {
  const levels = computeTaskLevels(tasks);
  let size = tasks.length;
  for (const task of tasks) {
    const level = levels.get(task.taskId) ?? 0;
    for (const dependency of task.dependencies) size += Math.max(0, level - (levels.get(dependency) ?? level) - 1);
  }
  if (size > MAX_SIZE_FOR_DAGRE) return { topDown: layoutByLevels(tasks, levels) };
  const topDown = layoutInDirection(tasks, 'TB');
  if (size > MAX_SIZE_FOR_TWO_LAYOUTS) return { topDown };
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
  graph.setGraph({ rankdir: direction, nodesep: NODE_GAP_PX, ranksep: direction === 'TB' ? LEVEL_GAP_PX : LEVEL_GAP_PX + 16, marginx: MARGIN_PX, marginy: MARGIN_PX });
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
  const width = Math.max(size.width ?? 0, NODE_WIDTH_PX + 2 * MARGIN_PX);
  const height = Math.max(size.height ?? 0, NODE_HEIGHT_PX + 2 * MARGIN_PX);
  const layout: TaskGraphLayout = { direction, width, height, nodes, edges };
  return isMostlyReversed(tasks, layout) ? mirror(layout) : layout;
}

/**
 * Whether dagre put tasks of the same level mostly against their declaration order (it tends to
 * reverse siblings). Templates declare tasks in reading order, so such a layout is mirrored.
 */
function isMostlyReversed(tasks: readonly GraphTask[], layout: TaskGraphLayout): boolean {
  const across = (point: GraphPoint): number => (layout.direction === 'TB' ? point.x : point.y);
  const level = (point: GraphPoint): number => Math.round(layout.direction === 'TB' ? point.y : point.x);
  const placed = tasks.map((task) => layout.nodes.get(task.taskId)).filter((point): point is GraphPoint => point !== undefined);
  let inOrder = 0;
  let reversed = 0;
  // Neighbours in declaration order only: linear in the number of tasks.
  for (let index = 1; index < placed.length; index++) {
    const previous = placed[index - 1]!;
    const current = placed[index]!;
    if (level(previous) !== level(current)) continue;
    if (across(previous) < across(current)) inOrder++;
    else reversed++;
  }
  return reversed > inOrder;
}

/** The same drawing flipped across the axis the levels run along. */
function mirror(layout: TaskGraphLayout): TaskGraphLayout {
  const isTopDown = layout.direction === 'TB';
  const flip = (point: GraphPoint, size: number): GraphPoint =>
    isTopDown ? { x: layout.width - point.x - size, y: point.y } : { x: point.x, y: layout.height - point.y - size };
  const nodes = new Map([...layout.nodes].map(([taskId, corner]) => [taskId, flip(corner, isTopDown ? NODE_WIDTH_PX : NODE_HEIGHT_PX)]));
  const edges = layout.edges.map((edge) => ({ ...edge, points: edge.points.map((point) => flip(point, 0)) }));
  return { ...layout, nodes, edges };
}
