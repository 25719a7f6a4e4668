import type { TaskGraphNode, TaskGraphView } from '../../workflows/index.js';
import type { Palette } from '../format.js';
import { displayWidth, fitToWidth, sanitizeTerminalLine } from '../terminal/index.js';

export interface TaskGraphRenderOptions {
  /** Terminal width in columns; undefined (a pipe or a file) leaves lines whole. */
  readonly width?: number;
  readonly palette: Palette;
}

// Below this a tree line has no room for an id; wider terminals use their real width.
const MIN_WIDTH = 24;

/**
 * A task graph as a tree of levels, readable in a narrow terminal: one block per level (tasks of
 * a level may run side by side), one entry per task with its agent and priority, the tasks it
 * waits for (wrapped, never cut: they are the graph), and its description (cut to the width).
 *
 * ```
 * Level 2 · 2 side by side
 * ├─ backend · backend-architect · priority 9
 * │  after design
 * │  Implement the backend and data layer
 * └─ frontend · frontend-developer · priority 9
 *    after design
 * ```
 */
export function renderTaskGraph(view: TaskGraphView, options: TaskGraphRenderOptions): string[] {
  const { palette } = options;
  const width = options.width === undefined ? undefined : Math.max(options.width, MIN_WIDTH);
  const fit = (text: string): string => (width === undefined ? text : fitToWidth(text, width));
  const byId = new Map(view.nodes.map((node) => [node.id, node]));
  const taskCount = view.nodes.length;
  const lines = [palette.bold(fit(`Task graph · ${taskCount} task${taskCount === 1 ? '' : 's'} in ${view.levels.length} level${view.levels.length === 1 ? '' : 's'}`))];
  view.levels.forEach((ids, levelIndex) => {
    lines.push(palette.bold(fit(`Level ${levelIndex + 1}${ids.length > 1 ? ` · ${ids.length} side by side` : ''}`)));
    ids.forEach((id, index) => {
      const node = byId.get(id);
      if (node === undefined) return;
      const isLast = index === ids.length - 1;
      lines.push(...renderNode(node, isLast, width, palette));
    });
  });
  return lines;
}

function renderNode(node: TaskGraphNode, isLast: boolean, width: number | undefined, palette: Palette): string[] {
  const branch = isLast ? '└─ ' : '├─ ';
  const indent = isLast ? '   ' : '│  ';
  const head = `${node.id} · ${node.agentName} · priority ${node.priority}`;
  const lines = [`${branch}${width === undefined ? head : fitToWidth(head, width - branch.length)}`];
  if (node.dependencies.length > 0) {
    for (const line of wrapWords(['after', ...node.dependencies.map((dependency, index) => (index < node.dependencies.length - 1 ? `${dependency},` : dependency))], width === undefined ? undefined : width - indent.length)) {
      lines.push(`${indent}${palette.dim(line)}`);
    }
  }
  const description = sanitizeTerminalLine(node.description).trim();
  if (description !== '') lines.push(`${indent}${width === undefined ? description : fitToWidth(description, width - indent.length)}`);
  return lines;
}

/** Words joined by spaces into lines of at most `width` columns; a word longer than a line gets a line of its own. */
function wrapWords(words: readonly string[], width: number | undefined): string[] {
  if (width === undefined) return [words.join(' ')];
  const lines: string[] = [];
  let current = '';
  for (const word of words) {
    const candidate = current === '' ? word : `${current} ${word}`;
    if (current !== '' && displayWidth(candidate) > width) {
      lines.push(current);
      current = `  ${word}`;
    } else {
      current = candidate;
    }
  }
  if (current !== '') lines.push(current);
  return lines;
}
