import { describe, expect, it } from 'vitest';
import { layoutTaskGraph, pickLayout } from './layout-task-graph.js';
import { NODE_HEIGHT_PX, NODE_WIDTH_PX, type GraphTask, type TaskGraphLayout } from './task-graph-geometry.js';

function expectNoOverlap(layout: TaskGraphLayout): void {
  const boxes = [...layout.nodes.values()];
  const sorted = [...boxes].sort((left, right) => left.x - right.x);
  for (let index = 0; index < sorted.length; index++) {
    const box = sorted[index]!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.x + NODE_WIDTH_PX).toBeLessThanOrEqual(layout.width);
    expect(box.y + NODE_HEIGHT_PX).toBeLessThanOrEqual(layout.height);
    for (let next = index + 1; next < sorted.length && sorted[next]!.x < box.x + NODE_WIDTH_PX; next++) {
      const other = sorted[next]!;
      expect(other.y >= box.y + NODE_HEIGHT_PX || box.y >= other.y + NODE_HEIGHT_PX, `boxes at ${box.x},${box.y} and ${other.x},${other.y} overlap`).toBe(true);
    }
  }
}

/** A random DAG: each task needs up to two earlier ones (seeded, so a failure reproduces). */
function randomGraph(size: number, seed: number): GraphTask[] {
  let state = seed;
  const random = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  return Array.from({ length: size }, (_, index) => ({
    taskId: `t${index}`,
    dependencies: index === 0 ? [] : [...new Set([`t${Math.floor(random() * index)}`, `t${Math.floor(random() * index)}`])],
  }));
}

const reviewers = ['code-quality', 'security', 'performance', 'test-coverage', 'documentation'];
const codeReview: GraphTask[] = [...reviewers.map((taskId) => ({ taskId, dependencies: [] })), { taskId: 'review-summary', dependencies: reviewers }];
const pipeline: GraphTask[] = ['analyze', 'design', 'implement', 'test', 'review'].map((taskId, index, ids) => ({ taskId, dependencies: index === 0 ? [] : [ids[index - 1]!] }));

describe('layoutTaskGraph', () => {
  it('draws every dependency, overlaps no boxes, and keeps the declaration order across a level', () => {
    const { topDown } = layoutTaskGraph(codeReview);
    expect(topDown.nodes.size).toBe(6);
    expect(topDown.edges.map((edge) => `${edge.from}>${edge.to}`).sort()).toEqual(reviewers.map((id) => `${id}>review-summary`).sort());
    for (const edge of topDown.edges) expect(edge.points.length).toBeGreaterThanOrEqual(2);
    expectNoOverlap(topDown);
    const xs = reviewers.map((id) => topDown.nodes.get(id)!.x);
    expect(xs).toEqual([...xs].sort((left, right) => left - right));
    expect(topDown.nodes.get('review-summary')!.y).toBeGreaterThan(topDown.nodes.get('security')!.y);
  });

  it('reads a long pipeline left to right in a wide viewport, and a fan-out top to bottom', () => {
    const wide = { width: 1300, height: 500 };
    expect(pickLayout(layoutTaskGraph(pipeline), wide).direction).toBe('LR');
    expect(pickLayout(layoutTaskGraph(codeReview), wide).direction).toBe('TB');
  });

  it('lays out 3,000 tasks with the linear level layout in well under a second, every box placed, none overlapping', () => {
    const tasks = randomGraph(3000, 7);
    const startedAt = performance.now();
    const layouts = layoutTaskGraph(tasks);
    expect(performance.now() - startedAt).toBeLessThan(1000);
    expect(layouts.leftRight).toBeUndefined();
    expect(layouts.topDown.nodes.size).toBe(3000);
    expectNoOverlap(layouts.topDown);
    // A dependency is always drawn above the task needing it.
    for (const task of tasks) for (const dependency of task.dependencies) expect(layouts.topDown.nodes.get(dependency)!.y).toBeLessThan(layouts.topDown.nodes.get(task.taskId)!.y);
  });
});
