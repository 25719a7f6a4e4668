import { describe, expect, it } from 'vitest';
import { assertValidGraph, validateGraph } from '../../core/index.js';
import { describeTaskGraph, resolveWorkflow } from '../../workflows/index.js';
import { createPalette } from '../format.js';
import { displayWidth } from '../terminal/index.js';
import { renderTaskGraph } from './render-task-graph.js';

const palette = createPalette(false);
const graphOf = (id: string, params: Record<string, unknown>) => describeTaskGraph(assertValidGraph(validateGraph(resolveWorkflow(id, { params }).tasks)));

describe('renderTaskGraph', () => {
  it('draws the parallel level of fullstack-dev as branches, each task with what it waits for', () => {
    const lines = renderTaskGraph(graphOf('fullstack-dev', { projectType: 'shop' }), { palette });
    expect(lines.slice(0, 11)).toEqual([
      'Task graph · 6 tasks in 5 levels',
      'Level 1',
      '└─ design · solutions-architect · priority 10',
      '   Design the shared architecture and API contract',
      'Level 2 · 2 side by side',
      '├─ backend · backend-architect · priority 9',
      '│  after design',
      '│  Implement the backend and data layer',
      '└─ frontend · frontend-developer · priority 9',
      '   after design',
      '   Implement the frontend against the API contract',
    ]);
  });

  it('fits a narrow terminal: no line wider than it, dependencies wrapped rather than cut', () => {
    const graph = graphOf('code-review', {});
    const lines = renderTaskGraph(graph, { palette, width: 30 });
    for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(30);
    const summary = lines.slice(lines.findIndex((line) => line.startsWith('└─ review-summary')));
    const waitsFor = summary.slice(1, -1).join(' ');
    for (const id of ['code-quality', 'security', 'performance', 'test-coverage', 'documentation']) expect(waitsFor).toContain(id);
  });
});
