import type { TaskState, TaskStatus } from '../../core/index.js';
import { formatDuration, formatNumber, type Palette } from '../format.js';
import { fitToWidth, padToWidth, sanitizeTerminalLine } from '../terminal/index.js';
import { describeProviderWait } from './describe-provider-wait.js';

const ICONS: Record<TaskStatus, string> = {
  pending: '·',
  running: '▶',
  retrying: '↻',
  succeeded: '✔',
  failed: '✖',
  skipped: '↷',
  cancelled: '⊘',
  waiting: '⏸',
};

/** Widest status word ("succeeded", "cancelled"), so the columns after it line up. */
const STATUS_WIDTH = 9;
/** Columns of a row besides id and agent: indent, icon, spaces, status, duration and a token count. */
export const ROW_FIXED_COLUMNS = 2 + 2 + 1 + 1 + STATUS_WIDTH + 1 + 7 + 1 + 10;
/** Longest a failure message runs on a row before "…" (the summary prints it whole). */
const ERROR_EXCERPT_COLUMNS = 80;

export function statusColour(status: TaskStatus, palette: Palette): (text: string) => string {
  switch (status) {
    case 'succeeded':
      return palette.green;
    case 'failed':
      return palette.red;
    case 'running':
      return palette.cyan;
    case 'retrying':
    case 'cancelled':
    case 'waiting':
      return palette.yellow;
    default:
      return palette.dim;
  }
}

/** Widths of the id and agent columns of a frame. */
export interface RowWidths {
  readonly id: number;
  readonly agent: number;
}

/** Longest a tool call's input runs on a row before "…" (the frame cuts the row to the terminal anyway). */
const TOOL_INPUT_COLUMNS = 60;

/** The first line of an error message, safe to print and cut to `columns`. */
function excerpt(message: string, columns: number): string {
  return fitToWidth(sanitizeTerminalLine(message.split('\n')[0] ?? ''), columns);
}

/**
 * The tool call a running task is in (`Read src/app.ts`, the newest when several run at once, with
 * how many others), or undefined. Tool names and inputs come from the model: sanitised.
 */
export function describeCurrentTool(task: TaskState): string | undefined {
  const calls = task.activeToolCalls;
  const current = calls[calls.length - 1];
  if (task.status !== 'running' || current === undefined) return undefined;
  const input = excerpt(current.input, TOOL_INPUT_COLUMNS);
  const others = calls.length > 1 ? ` (+${calls.length - 1})` : '';
  return `${sanitizeTerminalLine(current.tool)}${input === '' ? '' : ` ${input}`}${others}`;
}

/**
 * One line per task: state, id, agent, duration (live while running), tokens of all its attempts,
 * then what explains the state (attempt, the tool call in progress, provider wait, error, the failed
 * task it needed), and how many tool calls a finished task made.
 */
export function renderTaskRow(task: TaskState, nowMs: number, palette: Palette, widths: RowWidths): string {
  const colour = statusColour(task.status, palette);
  const durationMs = task.status === 'running' && task.startedAt !== undefined ? nowMs - task.startedAt : task.durationMs;
  const hasDuration = task.status !== 'pending' && !(task.status === 'skipped' || (task.status === 'cancelled' && task.durationMs === undefined));
  const tokens = task.usage.totalTokens;
  const parts = [
    colour(ICONS[task.status]),
    padToWidth(fitToWidth(task.taskId, widths.id), widths.id),
    palette.dim(padToWidth(fitToWidth(task.agentName, widths.agent), widths.agent)),
    colour(task.status.padEnd(STATUS_WIDTH)),
    formatDuration(hasDuration ? durationMs : undefined).padStart(7),
    tokens > 0 ? palette.dim(`${formatNumber(tokens)} tok`) : '',
  ];
  let line = parts.join(' ').trimEnd();
  if (task.attempts > 1 && (task.status === 'running' || task.status === 'succeeded')) line += palette.yellow(` (attempt ${task.attempts})`);
  const currentTool = describeCurrentTool(task);
  if (currentTool !== undefined) line += ` ${palette.cyan(`⚙ ${currentTool}`)}`;
  const wait = describeProviderWait(task, nowMs);
  if (wait !== undefined) line += ` ${palette.yellow(wait)}`;
  if (task.status === 'failed' && task.error !== undefined) line += ` ${palette.red(excerpt(task.error.message, ERROR_EXCERPT_COLUMNS))}`;
  if (task.status === 'retrying' && task.error !== undefined) line += ` ${palette.yellow(excerpt(task.error.message, 60))}`;
  if (task.status === 'skipped' && task.blockedBy !== undefined) line += palette.dim(` (needs failed ${task.blockedBy})`);
  if (task.status === 'waiting' && task.escalation !== undefined) {
    line += ` ${palette.yellow(`⚠ asks a person (${task.escalation.escalationId}): ${excerpt(task.escalation.reason, 60)}`)}`;
  }
  if (task.member !== undefined && task.status === 'running') line += palette.dim(` [${task.member}]`);
  if (task.status === 'cancelled') line += palette.dim(task.cancelReason === 'run-timeout' ? ' (run timed out)' : ' (run cancelled)');
  if (task.status !== 'running' && task.toolCalls > 0) line += palette.dim(` · ${describeToolCallCount(task.toolCalls, task.failedToolCalls)}`);
  return line;
}

/** `12 tool calls`, `1 tool call (1 failed)`. */
export function describeToolCallCount(calls: number, failedCalls: number): string {
  return `${formatNumber(calls)} tool call${calls === 1 ? '' : 's'}${failedCalls > 0 ? ` (${formatNumber(failedCalls)} failed)` : ''}`;
}
