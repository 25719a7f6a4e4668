import type { RunEvent, TaskStatus } from '../core/index.js';
import { formatCost, formatDuration, formatNumber, truncate, type Palette } from './format.js';
import type { RunProgress, TaskProgress } from './run-progress.js';

const ICONS: Record<TaskStatus, string> = {
  pending: '·',
  running: '▶',
  retrying: '↻',
  succeeded: '✔',
  failed: '✖',
  skipped: '↷',
};

const SIMULATED_NOTICE =
  'no model provider is configured: llm agents run on the simulated runtime (offline, deterministic), and every output says so';

function colourFor(status: TaskStatus, palette: Palette): (text: string) => string {
  switch (status) {
    case 'succeeded':
      return palette.green;
    case 'failed':
      return palette.red;
    case 'running':
      return palette.cyan;
    case 'retrying':
      return palette.yellow;
    default:
      return palette.dim;
  }
}

/** One line per task: state, id, agent, duration (live while running), tokens. */
export function renderTaskLine(task: TaskProgress, nowMs: number, palette: Palette, idWidth: number, agentWidth: number): string {
  const colour = colourFor(task.status, palette);
  const durationMs = task.status === 'running' && task.startedAt !== undefined ? nowMs - task.startedAt : task.durationMs;
  const parts = [
    colour(ICONS[task.status]),
    truncate(task.taskId, idWidth).padEnd(idWidth),
    palette.dim(truncate(task.agentName, agentWidth).padEnd(agentWidth)),
    colour(task.status.padEnd(9)),
    formatDuration(task.status === 'pending' || task.status === 'skipped' ? undefined : durationMs).padStart(7),
    task.tokens > 0 ? palette.dim(`${formatNumber(task.tokens)} tok`) : '',
  ];
  let line = parts.join(' ').trimEnd();
  if (task.attempt > 1 && (task.status === 'running' || task.status === 'succeeded')) line += palette.yellow(` (attempt ${task.attempt})`);
  if (task.status === 'failed' && task.error !== undefined) line += ` ${palette.red(truncate(task.error.message.split('\n')[0] ?? '', 80))}`;
  if (task.status === 'retrying' && task.error !== undefined) line += ` ${palette.yellow(truncate(task.error.message.split('\n')[0] ?? '', 60))}`;
  if (task.status === 'skipped' && task.blockedBy !== undefined) line += palette.dim(` (needs failed ${task.blockedBy})`);
  return line;
}

/** The whole live frame; long runs show running and most recent tasks and count the rest. */
export function renderFrame(progress: RunProgress, nowMs: number, palette: Palette, maxTaskLines: number): string[] {
  const tasks = [...progress.tasks.values()];
  // A loop, not Math.max(...spread): a run may have tens of thousands of tasks.
  let idWidth = 4;
  let agentWidth = 5;
  for (const task of tasks) {
    idWidth = Math.max(idWidth, task.taskId.length);
    agentWidth = Math.max(agentWidth, task.agentName.length);
  }
  idWidth = Math.min(32, idWidth);
  agentWidth = Math.min(24, agentWidth);
  const lines = [palette.bold(`ensemble · ${progress.workflowName} · ${progress.runId}${progress.isResumed ? ' (resumed)' : ''}`)];
  const shown = tasks.length <= maxTaskLines ? tasks : pickVisibleTasks(tasks, maxTaskLines);
  for (const task of shown) {
    lines.push(`  ${renderTaskLine(task, nowMs, palette, idWidth, agentWidth)}`);
    const streamed = task.status === 'running' ? lastLine(task.streamedTail) : undefined;
    if (streamed !== undefined) lines.push(palette.dim(`      ↳ ${truncate(streamed, 100)}`));
  }
  if (shown.length < tasks.length) lines.push(palette.dim(`  … ${tasks.length - shown.length} more tasks not shown`));
  const counts = progress.counts();
  const elapsed = formatDuration(nowMs - progress.startedAt);
  lines.push(
    palette.dim(
      `  ${counts.succeeded}/${tasks.length} done · ${counts.running} running · ${counts.pending} waiting` +
        `${counts.failed > 0 ? ` · ${counts.failed} failed` : ''}${counts.skipped > 0 ? ` · ${counts.skipped} skipped` : ''} · ${elapsed}`,
    ),
  );
  return lines;
}

/** The last non-blank line of streamed text, if any. */
function lastLine(text: string | undefined): string | undefined {
  const line = text
    ?.split('\n')
    .map((candidate) => candidate.trim())
    .filter((candidate) => candidate !== '')
    .at(-1);
  return line === undefined || line === '' ? undefined : line;
}

const VISIBILITY_RANK: Record<TaskStatus, number> = { running: 0, retrying: 0, failed: 1, succeeded: 2, skipped: 2, pending: 3 };

/** For runs taller than the terminal: active and failed tasks first, then the latest finished, in declaration order. */
function pickVisibleTasks(tasks: readonly TaskProgress[], limit: number): TaskProgress[] {
  const ranked = tasks.map((task, index) => ({ task, index, rank: VISIBILITY_RANK[task.status] }));
  ranked.sort((a, b) => a.rank - b.rank || (a.rank === 2 ? b.index - a.index : a.index - b.index));
  return ranked
    .slice(0, limit)
    .sort((a, b) => a.index - b.index)
    .map((entry) => entry.task);
}

/** Summary printed once a run has ended. */
export function renderSummary(progress: RunProgress, palette: Palette, options: { readonly outputLines?: number } = {}): string[] {
  const lines: string[] = [];
  const summary = progress.summary;
  const failed = [...progress.tasks.values()].filter((task) => task.status === 'failed');
  for (const task of failed) {
    lines.push(palette.red(`✖ ${task.taskId} (${task.agentName}) failed: ${task.error?.code ?? 'ERROR'}`));
    for (const line of (task.error?.message ?? '').split('\n').slice(0, 6)) lines.push(palette.red(`    ${line}`));
  }
  const outputLines = options.outputLines ?? 0;
  if (outputLines > 0 && progress.status === 'succeeded') {
    // The tasks nobody depends on hold the workflow's final answer.
    for (const task of [...progress.tasks.values()].filter((candidate) => !candidate.hasDependents && candidate.output !== undefined)) {
      lines.push('', palette.bold(`── ${task.taskId} (${task.agentName}) ──`));
      const outputRows = (task.output ?? '').split('\n');
      lines.push(...outputRows.slice(0, outputLines));
      if (outputRows.length > outputLines) lines.push(palette.dim(`… ${outputRows.length - outputLines} more lines: ensemble runs show ${progress.runId} --output`));
    }
  }
  if (summary !== undefined) {
    const statusColour = progress.status === 'succeeded' ? palette.green : palette.red;
    lines.push(
      '',
      `${statusColour(palette.bold(progress.status ?? 'unknown'))}  ` +
        `${summary.successfulTasks}/${summary.totalTasks} tasks succeeded` +
        `${summary.failedTasks > 0 ? `, ${summary.failedTasks} failed` : ''}` +
        `${summary.skippedTasks > 0 ? `, ${summary.skippedTasks} skipped` : ''}` +
        ` · ${formatNumber(summary.totalTokens)} tokens · ${formatCost(summary.totalCost)} · ${formatDuration(summary.totalDuration)}`,
    );
  }
  for (const stop of summary?.budgetStops ?? []) {
    const cap = stop.cap === 'run' ? 'the run budget' : `the ${stop.cap} budget of "${stop.name}"`;
    lines.push(palette.yellow(`budget: ${stop.taskId} was stopped by ${cap}`));
  }
  if (progress.error !== undefined) lines.push(palette.red(`${progress.error.code}: ${progress.error.message}`));
  if (progress.usesSimulated) lines.push(palette.yellow(`note: ${SIMULATED_NOTICE}.`));
  lines.push(palette.dim(`run ${progress.runId}`) + (progress.status !== 'succeeded' ? palette.dim(` · resume with: ensemble resume ${progress.runId}`) : ''));
  return lines;
}

interface Output {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly rows?: number;
}

/** Redraws the task table in place on a terminal, at most ten times a second. */
export class LiveProgressView {
  private drawnLines = 0;
  private timer: NodeJS.Timeout | undefined;
  private isDirty = false;
  private noticePrinted = false;
  private isStopped = false;

  constructor(
    private readonly progress: RunProgress,
    private readonly output: Output,
    private readonly palette: Palette,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), 100);
  }

  onEvent(event: RunEvent): void {
    this.progress.apply(event);
    this.isDirty = true;
    if (event.type === 'agent:invoke' && event.runtime === 'simulated' && !this.noticePrinted) {
      this.noticePrinted = true;
      this.clear();
      this.output.write(`${this.palette.yellow(`note: ${SIMULATED_NOTICE}.`)}\n`);
    }
  }

  /** Draws the final frame once; later calls do nothing, so text printed after it stays. */
  stop(): void {
    if (this.isStopped) return;
    this.isStopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.isDirty = true;
    this.draw();
  }

  private clear(): void {
    if (this.drawnLines > 0) this.output.write(`\u001b[${this.drawnLines}F\u001b[J`);
    this.drawnLines = 0;
  }

  private draw(): void {
    const hasRunning = [...this.progress.tasks.values()].some((task) => task.status === 'running');
    if (!this.isDirty && !hasRunning) return;
    this.isDirty = false;
    const frame = renderFrame(this.progress, Date.now(), this.palette, Math.max(5, (this.output.rows || 30) - 6));
    this.clear();
    this.output.write(`${frame.join('\n')}\n`);
    this.drawnLines = frame.length;
  }
}

/** One line per notable event, for logs and pipes. */
export class LineProgressView {
  private noticePrinted = false;

  constructor(
    private readonly progress: RunProgress,
    private readonly output: Output,
    private readonly palette: Palette,
  ) {}

  onEvent(event: RunEvent): void {
    this.progress.apply(event);
    const write = (line: string): void => void this.output.write(`${line}\n`);
    switch (event.type) {
      case 'workflow:start':
        write(this.palette.bold(`ensemble · ${event.workflowName} · ${event.runId} · ${event.taskCount} tasks${event.resumed ? ` (resumed, ${event.completedTaskCount} already done)` : ''}`));
        break;
      case 'agent:invoke':
        if (event.runtime === 'simulated' && !this.noticePrinted) {
          this.noticePrinted = true;
          write(this.palette.yellow(`note: ${SIMULATED_NOTICE}.`));
        }
        write(`${this.palette.cyan('▶')} ${event.taskId} ${this.palette.dim(`(${event.agentName}, ${event.runtime}${event.attempt > 1 ? `, attempt ${event.attempt}` : ''})`)}`);
        break;
      case 'task:complete':
      case 'task:error':
      case 'task:retry':
      case 'task:skipped': {
        const task = this.progress.tasks.get(event.taskId);
        if (task !== undefined) write(renderTaskLine(task, event.at, this.palette, Math.max(4, task.taskId.length), Math.max(5, task.agentName.length)));
        break;
      }
      default:
        break;
    }
  }
}
