import { describe, expect, it } from 'vitest';
import { computeTaskLevels, layoutByLevels } from './layout-by-levels.js';
import { MARGIN_PX, NODE_GAP_PX, NODE_WIDTH_PX } from './task-graph-geometry.js';

describe('computeTaskLevels', () => {
  it('puts each task one level below its deepest dependency, whatever the declaration order', () => {
    const levels = computeTaskLevels([
      { taskId: 'summary', dependencies: ['review', 'tests'] },
      { taskId: 'review', dependencies: ['build'] },
      { taskId: 'tests', dependencies: ['build', 'review'] },
      { taskId: 'build', dependencies: [] },
    ]);
    expect(Object.fromEntries(levels)).toEqual({ build: 0, review: 1, tests: 2, summary: 3 });
  });

  it('ignores unknown dependencies and ends on a cycle, putting its tasks at level 0', () => {
    const levels = computeTaskLevels([
      { taskId: 'a', dependencies: ['ghost'] },
      { taskId: 'b', dependencies: ['c'] },
      { taskId: 'c', dependencies: ['b'] },
      { taskId: 'd', dependencies: ['a'] },
    ]);
    expect(Object.fromEntries(levels)).toEqual({ a: 0, b: 0, c: 0, d: 1 });
  });
});

describe('layoutByLevels', () => {
  it('wraps a wide level into rows of at most ten boxes', () => {
    const tasks = [{ taskId: 'root', dependencies: [] }, ...Array.from({ length: 25 }, (_, index) => ({ taskId: `leaf-${index}`, dependencies: ['root'] }))];
    const layout = layoutByLevels(tasks, computeTaskLevels(tasks));
    const rows = new Set([...layout.nodes.values()].map((point) => point.y));
    expect(rows.size).toBe(1 + 3);
    expect(layout.width).toBe(2 * MARGIN_PX + 10 * NODE_WIDTH_PX + 9 * NODE_GAP_PX);
    expect(layout.edges).toHaveLength(25);
  });
});
