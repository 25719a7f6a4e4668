import type { RunState } from '../../core/index.js';
import { formatCost, formatDuration, formatNumber, type Palette } from '../format.js';
import { sanitizeTerminalLine, sanitizeTerminalText } from '../terminal/index.js';
import { describeToolCallCount } from './render-task-row.js';
import { SIMULATED_NOTICE } from './simulated-notice.js';

/** Options of {@link renderSummary}. */
export interface SummaryOptions {
  /** Lines of each final output printed after a successful run. @default 0 */
  readonly outputLines?: number;
}

/**
 * The summary printed once a run has ended: failures with their messages, the final outputs of a
 * successful run, the totals, the budget caps that stopped tasks, and how to resume. Agent text
 * (outputs, error messages) is sanitised: it must not drive the terminal.
 */
export function renderSummary(state: RunState, palette: Palette, options: SummaryOptions = {}): string[] {
  const lines: string[] = [];
  const summary = state.summary;
  const tasks = [...state.tasks.values()];
  for (const task of tasks.filter((candidate) => candidate.status === 'failed')) {
    lines.push(palette.red(`✖ ${task.taskId} (${task.agentName}) failed: ${task.error?.code ?? 'ERROR'}`));
    for (const line of (task.error?.message ?? '').split('\n').slice(0, 6)) lines.push(palette.red(`    ${sanitizeTerminalLine(line)}`));
  }
  const outputLines = options.outputLines ?? 0;
  if (outputLines > 0 && state.status === 'succeeded') {
    // The tasks nobody depends on hold the workflow's final answer.
    for (const task of tasks.filter((candidate) => !candidate.hasDependents && candidate.output !== undefined)) {
      lines.push('', palette.bold(`── ${task.taskId} (${task.agentName}) ──`));
      const outputRows = sanitizeTerminalText(task.output ?? '').split('\n');
      lines.push(...outputRows.slice(0, outputLines));
      if (outputRows.length > outputLines) lines.push(palette.dim(`… ${outputRows.length - outputLines} more lines: ensemble runs show ${state.runId} --output`));
    }
  }
  if (summary !== undefined) {
    const colour = state.status === 'succeeded' ? palette.green : palette.red;
    // Journals written before `cancelledTasks` existed lack it.
    const cancelled = summary.cancelledTasks ?? 0;
    // The journal's own count (the events folded into `state`), so runs journaled before the summary counted calls show theirs.
    const toolCalls = Math.max(summary.toolCalls ?? 0, state.toolCalls);
    let failedToolCalls = 0;
    for (const task of tasks) failedToolCalls += task.failedToolCalls;
    lines.push(
      '',
      `${colour(palette.bold(state.status ?? 'unknown'))}  ` +
        `${summary.successfulTasks}/${summary.totalTasks} tasks succeeded` +
        `${summary.failedTasks > 0 ? `, ${summary.failedTasks} failed` : ''}` +
        `${summary.skippedTasks > 0 ? `, ${summary.skippedTasks} skipped` : ''}` +
        `${cancelled > 0 ? `, ${cancelled} cancelled` : ''}` +
        ` · ${formatNumber(summary.totalTokens)} tokens` +
        `${toolCalls > 0 ? ` · ${describeToolCallCount(toolCalls, failedToolCalls)}` : ''}` +
        ` · ${formatCost(summary.totalCost)} · ${formatDuration(summary.totalDuration)}`,
    );
  }
  for (const stop of summary?.budgetStops ?? []) {
    const cap = stop.cap === 'run' ? 'the run budget' : `the ${stop.cap} budget of "${stop.name}"`;
    lines.push(palette.yellow(`budget: ${stop.taskId} was stopped by ${cap}`));
  }
  if (state.error !== undefined) lines.push(palette.red(`${state.error.code}: ${sanitizeTerminalText(state.error.message)}`));
  if (state.usesSimulated) lines.push(palette.yellow(`note: ${SIMULATED_NOTICE}.`));
  lines.push(palette.dim(`run ${state.runId}`) + (state.status !== 'succeeded' ? palette.dim(` · resume with: ensemble resume ${state.runId}`) : ''));
  return lines;
}
