import { describe, expect, it } from 'vitest';
import { assertValidGraph, taskSpecSchema, validateGraph } from '../core/index.js';
import { describeTaskGraph } from './describe-task-graph.js';

const tasks = [
  { id: 'join', agentName: 'a', dependencies: ['left', 'right'] },
  { id: 'root', agentName: 'a' },
  { id: 'left', agentName: 'b', dependencies: ['root'], priority: 9 },
  { id: 'right', agentName: 'c', dependencies: ['root'] },
].map((task) => taskSpecSchema.parse(task));

describe('describeTaskGraph', () => {
  const view = describeTaskGraph(assertValidGraph(validateGraph(tasks)));

  it('groups task ids by topological level, keeping the workflow order within a level', () => {
    expect(view.levels).toEqual([['root'], ['left', 'right'], ['join']]);
  });

  it('lists nodes by level with their agent, priority and dependencies, and one edge per dependency', () => {
    expect(view.nodes.map((node) => [node.id, node.agentName, node.priority, node.level, node.dependencies])).toEqual([
      ['root', 'a', 5, 0, []],
      ['left', 'b', 9, 1, ['root']],
      ['right', 'c', 5, 1, ['root']],
      ['join', 'a', 5, 2, ['left', 'right']],
    ]);
    expect(view.edges).toEqual([
      { from: 'root', to: 'left' },
      { from: 'root', to: 'right' },
      { from: 'left', to: 'join' },
      { from: 'right', to: 'join' },
    ]);
  });
});
