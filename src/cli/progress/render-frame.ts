import type { RunState, TaskState, TaskStatus } from '../../core/index.js';
import { formatDuration, type Palette } from '../format.js';
import { displayWidth, fitToWidth, sanitizeTerminalLine } from '../terminal/index.js';
import { renderTaskRow, ROW_FIXED_COLUMNS, type RowWidths } from './render-task-row.js';

/** The terminal a frame is drawn on. */
export interface FrameSize {
  /** Width in columns; unlimited when undefined (not a terminal). */
  readonly columns?: number | undefined;
  /** Height in rows. @default 30 */
  readonly rows?: number | undefined;
}

const DEFAULT_ROWS = 30;
/** The header and the counts line around the task rows. */
const FRAME_CHROME_LINES = 2;
const MAX_ID_COLUMNS = 32;
const MAX_AGENT_COLUMNS = 24;

const VISIBILITY_RANK: Record<TaskStatus, number> = { running: 0, retrying: 0, waiting: 0, failed: 1, succeeded: 2, skipped: 2, cancelled: 2, pending: 3 };

/**
 * The live frame. Every line fits `columns - 1` display columns (a full-width line would leave the
 * cursor in the terminal's pending-wrap state, and a wider one wraps and breaks the redraw, which
 * climbs one row per line), and the frame fits `rows - 1` lines (the redraw cannot climb above the
 * top of the screen). Runs taller than that show running and failed tasks first and count the rest;
 * the last line a running model streams is shown under its row while there is room.
 */
export function renderFrame(state: RunState, nowMs: number, palette: Palette, size: FrameSize = {}): string[] {
  const maxWidth = size.columns === undefined ? Number.POSITIVE_INFINITY : Math.max(1, size.columns - 1);
  const maxLines = Math.max(FRAME_CHROME_LINES + 1, (size.rows ?? DEFAULT_ROWS) - 1);
  const tasks = [...state.tasks.values()];
  const widths = columnWidths(tasks, maxWidth);
  const fit = (line: string): string => fitToWidth(line, maxWidth);

  const lines = [fit(palette.bold(`ensemble · ${sanitizeTerminalLine(state.workflowName)} · ${state.runId}${state.isResumed ? ' (resumed)' : ''}`))];
  const taskBudget = maxLines - FRAME_CHROME_LINES;
  // When not every task fits, one line goes to "… N more".
  const shown = tasks.length <= taskBudget ? tasks : pickVisibleTasks(tasks, taskBudget - 1);
  let spareLines = taskBudget - shown.length - (shown.length < tasks.length ? 1 : 0);
  for (const task of shown) {
    lines.push(fit(`  ${renderTaskRow(task, nowMs, palette, widths)}`));
    const streamed = task.status === 'running' ? task.lastOutputLine : undefined;
    if (streamed !== undefined && spareLines > 0) {
      lines.push(fit(palette.dim(`      ↳ ${sanitizeTerminalLine(streamed)}`)));
      spareLines--;
    }
  }
  if (shown.length < tasks.length) lines.push(fit(palette.dim(`  … ${tasks.length - shown.length} more tasks not shown`)));
  const { counts } = state;
  const started = state.executionStartedAt ?? nowMs;
  const elapsed = formatDuration(state.priorElapsedMs + Math.max(0, nowMs - started));
  lines.push(
    fit(
      palette.dim(
        `  ${counts.succeeded}/${tasks.length} done · ${counts.running + counts.retrying} running · ${counts.pending} waiting` +
          `${counts.failed > 0 ? ` · ${counts.failed} failed` : ''}${counts.skipped > 0 ? ` · ${counts.skipped} skipped` : ''}` +
          `${counts.cancelled > 0 ? ` · ${counts.cancelled} cancelled` : ''} · ${elapsed}`,
      ),
    ),
  );
  return lines;
}

/**
 * Id and agent column widths: as wide as the longest (capped), narrowed when the row would not
 * fit the terminal, the agent column first, so state, duration and tokens stay on screen.
 */
export function columnWidths(tasks: readonly TaskState[], maxWidth: number): RowWidths {
  // A loop, not Math.max(...spread): a run may have tens of thousands of tasks.
  let id = 4;
  let agent = 5;
  for (const task of tasks) {
    id = Math.max(id, displayWidth(task.taskId));
    agent = Math.max(agent, displayWidth(task.agentName));
  }
  id = Math.min(MAX_ID_COLUMNS, id);
  agent = Math.min(MAX_AGENT_COLUMNS, agent);
  const available = Math.max(10, maxWidth - ROW_FIXED_COLUMNS);
  if (id + agent > available) {
    agent = Math.max(5, Math.min(agent, Math.floor(available * 0.4)));
    id = Math.max(4, Math.min(id, available - agent));
  }
  return { id, agent };
}

/** For runs taller than the terminal: active and failed tasks first, then the latest finished, in declaration order. */
function pickVisibleTasks(tasks: readonly TaskState[], limit: number): TaskState[] {
  const ranked = tasks.map((task, index) => ({ task, index, rank: VISIBILITY_RANK[task.status] }));
  ranked.sort((a, b) => a.rank - b.rank || (a.rank === 2 ? b.index - a.index : a.index - b.index));
  return ranked
    .slice(0, limit)
    .sort((a, b) => a.index - b.index)
    .map((entry) => entry.task);
}
