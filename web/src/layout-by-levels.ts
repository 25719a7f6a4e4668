import { LEVEL_GAP_PX, MARGIN_PX, NODE_GAP_PX, NODE_HEIGHT_PX, NODE_WIDTH_PX, type GraphEdge, type GraphPoint, type GraphTask, type TaskGraphLayout } from './task-graph-geometry.js';

/** Boxes per row: a wider level wraps onto more rows, so a fan-out of 1,000 stays a block, not a line 250,000 px long. */
const MAX_BOXES_PER_ROW = 10;
const ROW_GAP_PX = 16;

/**
 * Each task's level: 0 for a task needing nothing, else one more than its deepest dependency
 * (Kahn's algorithm, linear in tasks and dependencies). Dependencies on unknown tasks are ignored;
 * tasks on a cycle (validation rejects them, but a view must not hang) get level 0.
 */
export function computeTaskLevels(tasks: readonly GraphTask[]): ReadonlyMap<string, number> {
  const known = new Set(tasks.map((task) => task.taskId));
  const dependents = new Map<string, string[]>();
  const waiting = new Map<string, number>();
  for (const task of tasks) {
    const needed = new Set(task.dependencies.filter((dependency) => known.has(dependency)));
    waiting.set(task.taskId, needed.size);
    for (const dependency of needed) {
      const list = dependents.get(dependency);
      if (list === undefined) dependents.set(dependency, [task.taskId]);
      else list.push(task.taskId);
    }
  }
  const levels = new Map<string, number>();
  const ready = tasks.filter((task) => waiting.get(task.taskId) === 0).map((task) => task.taskId);
  for (const taskId of ready) levels.set(taskId, 0);
  for (let index = 0; index < ready.length; index++) {
    const taskId = ready[index]!;
    const level = levels.get(taskId) ?? 0;
    for (const dependent of dependents.get(taskId) ?? []) {
      levels.set(dependent, Math.max(levels.get(dependent) ?? 0, level + 1));
      const left = (waiting.get(dependent) ?? 0) - 1;
      waiting.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  for (const task of tasks) if (!levels.has(task.taskId)) levels.set(task.taskId, 0);
  return levels;
}

/**
 * A plain top-down layout in linear time for graphs too big for dagre: levels one under another,
 * tasks of a level in declaration order, wrapped into rows, each row centred; straight edges.
 */
export function layoutByLevels(tasks: readonly GraphTask[], levels: ReadonlyMap<string, number>): TaskGraphLayout {
  const byLevel: GraphTask[][] = [];
  for (const task of tasks) (byLevel[levels.get(task.taskId) ?? 0] ??= []).push(task);
  const rows: GraphTask[][] = [];
  const rowGaps: number[] = [];
  for (const levelTasks of byLevel) {
    if (levelTasks === undefined) continue;
    for (let start = 0; start < levelTasks.length; start += MAX_BOXES_PER_ROW) {
      rowGaps.push(start === 0 ? LEVEL_GAP_PX : ROW_GAP_PX);
      rows.push(levelTasks.slice(start, start + MAX_BOXES_PER_ROW));
    }
  }
  const widest = Math.max(1, ...rows.map((row) => row.length));
  const width = 2 * MARGIN_PX + widest * NODE_WIDTH_PX + (widest - 1) * NODE_GAP_PX;
  const nodes = new Map<string, GraphPoint>();
  let y = MARGIN_PX;
  rows.forEach((row, index) => {
    if (index > 0) y += NODE_HEIGHT_PX + rowGaps[index]!;
    const rowWidth = row.length * NODE_WIDTH_PX + (row.length - 1) * NODE_GAP_PX;
    const left = (width - rowWidth) / 2;
    row.forEach((task, column) => nodes.set(task.taskId, { x: left + column * (NODE_WIDTH_PX + NODE_GAP_PX), y }));
  });
  const edges: GraphEdge[] = [];
  for (const task of tasks) {
    const to = nodes.get(task.taskId);
    for (const dependency of task.dependencies) {
      const from = nodes.get(dependency);
      if (from === undefined || to === undefined) continue;
      edges.push({ from: dependency, to: task.taskId, points: [{ x: from.x + NODE_WIDTH_PX / 2, y: from.y + NODE_HEIGHT_PX }, { x: to.x + NODE_WIDTH_PX / 2, y: to.y }] });
    }
  }
  return { direction: 'TB', width, height: y + NODE_HEIGHT_PX + MARGIN_PX, nodes, edges };
}
