import { EnsembleError, foldRunEvents, RUN_STATUSES, type RunState, type RunStatus } from '../../core/index.js';
import { describeTaskWork, type TaskToolActivity } from './describe-task-work.js';
import { isOwnerAlive } from '../../host/index.js';
import { registerRunsRemoveCommands } from './runs-remove-command.js';
import { openRunStore, type RunRecord, type RunStore, type TaskRecord } from '../../store/index.js';
import { requestRunCancel } from '../../orchestrator/index.js';
import type { ActionFactory, Command } from '../action.js';
import { EXIT_OK, parseIntegerFlag, type CliContext } from '../cli-context.js';
import { formatCost, formatDuration, formatNumber, formatTimestamp, renderTable, truncate, type Palette } from '../format.js';
import { sanitizeTerminalLine, sanitizeTerminalText } from '../terminal/index.js';

export function registerRunsCommands(program: Command, action: ActionFactory): void {
  const runs = program
    .command('runs')
    .description('list recorded runs, newest first')
    .option('-n, --limit <n>', 'how many runs to list', '20')
    .option('--status <status>', `only runs in this state (${RUN_STATUSES.join(', ')})`)
    .action(action((context, flags: { limit: string; status?: string }) => listRuns(context, flags)));
  runs
    .command('show')
    .description("show one run: its tasks, their states, durations, tokens and errors")
    .argument('<runId>')
    .option('--output', 'print every task output in full')
    .action(action((context, runId: string, flags: { output?: boolean }) => showRun(context, runId, flags.output === true)));
  registerRunsRemoveCommands(runs, action);

  program
    .command('cancel')
    .description('cancel a running run (it stops within a second, wherever it runs on this machine)')
    .argument('<runId>')
    .action(action((context, runId: string) => cancelRun(context, runId)));
}

/** Opens the journal, first marking runs whose process died as `interrupted`. */
export function withStore<T>(context: CliContext, body: (store: RunStore) => T): T {
  const store = openRunStore(context.storePath);
  try {
    store.reconcileInterrupted(isOwnerAlive);
    return body(store);
  } finally {
    store.close();
  }
}

/** A run or task status in its colour: green succeeded, cyan running, yellow interrupted or cancelled, red otherwise. */
export function statusColour(status: string, palette: Palette): string {
  if (status === 'succeeded') return palette.green(status);
  if (status === 'running') return palette.cyan(status);
  if (status === 'interrupted' || status === 'cancelled') return palette.yellow(status);
  return palette.red(status);
}

async function listRuns(context: CliContext, flags: { limit: string; status?: string }): Promise<number> {
  const limit = parseIntegerFlag('--limit', flags.limit, 1, 10_000);
  if (flags.status !== undefined && !RUN_STATUSES.includes(flags.status as RunStatus)) {
    throw new EnsembleError('INVALID_INPUT', `--status: expected one of ${RUN_STATUSES.join(', ')}, got "${flags.status}"`);
  }
  const runs = withStore(context, (store) => store.listRuns({ limit, ...(flags.status === undefined ? {} : { status: flags.status as RunStatus }) }));
  if (context.options.json) {
    context.printJson({ runs: runs.map(toRunJson) });
    return EXIT_OK;
  }
  if (runs.length === 0) {
    context.print(`no runs recorded in ${context.storePath}`);
    return EXIT_OK;
  }
  const { palette } = context;
  const rows = [['RUN', 'STATUS', 'WORKFLOW', 'TASKS', 'TOKENS', 'STARTED', 'DURATION']];
  for (const run of runs) {
    const summary = run.summary;
    rows.push([
      run.runId,
      statusColour(run.status, palette),
      truncate(sanitizeTerminalLine(run.workflowName), 32),
      summary === undefined ? `${run.taskCount}` : `${summary.successfulTasks}/${summary.totalTasks}`,
      summary === undefined ? '-' : formatNumber(summary.totalTokens),
      formatTimestamp(run.createdAt),
      formatDuration(summary?.totalDuration),
    ]);
  }
  context.print(renderTable(rows, palette));
  return EXIT_OK;
}

function toRunJson(run: RunRecord): Record<string, unknown> {
  const { spec, ...rest } = run;
  return { ...rest, parameters: spec.parameters, config: spec.config };
}

async function showRun(context: CliContext, runId: string, showOutputs: boolean): Promise<number> {
  const { run, tasks, state } = withStore(context, (store) => {
    const found = store.getRun(runId);
    if (found === undefined) throw new EnsembleError('UNKNOWN_RUN', `no run "${runId}" in ${context.storePath}`, { details: { runId } });
    // Tool calls live only in the journal's `agent:tool` events: fold them with the one reducer.
    return { run: found, tasks: store.listTasks(runId), state: foldRunEvents(store.readEvents(runId)) };
  });
  const toolsOf = (taskId: string): TaskToolActivity | undefined => state.tasks.get(taskId);
  if (context.options.json) {
    const tools = tasks.flatMap((task) => {
      const activity = toolsOf(task.taskId);
      if (activity === undefined || (activity.toolCalls === 0 && activity.filesWritten.length === 0)) return [];
      const { toolCalls, failedToolCalls, toolUsage, filesWritten } = activity;
      return [{ taskId: task.taskId, toolCalls, failedToolCalls, toolUsage, filesWritten }];
    });
    const contexts = [...state.tasks.values()].flatMap((task) => (task.contextReceipt === undefined ? [] : [{ taskId: task.taskId, pruned: task.contextPruned === true, ...task.contextReceipt }]));
    context.printJson({
      run: toRunJson(run),
      agents: usageByAgent(tasks),
      tasks,
      tools,
      contexts,
      messages: state.messages,
      sharedContext: state.sharedUpdates,
      warnings: state.warnings,
    });
    return EXIT_OK;
  }
  const { palette } = context;
  context.print(palette.bold(`${run.runId} · ${sanitizeTerminalLine(run.workflowName)}${run.workflowId === undefined ? '' : ` (${run.workflowId})`}`));
  context.print(`status    ${statusColour(run.status, palette)}`);
  context.print(`started   ${formatTimestamp(run.createdAt)}${run.finishedAt === undefined ? '' : ` · finished ${formatTimestamp(run.finishedAt)}`}`);
  if (run.summary !== undefined) {
    const summary = run.summary;
    // The journal's count: the summary of a run journaled before it counted tool calls says 0.
    const toolCalls = Math.max(summary.toolCalls, state.toolCalls);
    const toolCallsText = toolCalls > 0 ? ` · ${formatNumber(toolCalls)} tool call${toolCalls === 1 ? '' : 's'}` : '';
    context.print(
      `summary   ${summary.successfulTasks}/${summary.totalTasks} succeeded, ${summary.failedTasks} failed, ${summary.skippedTasks} skipped${summary.cancelledTasks > 0 ? `, ${summary.cancelledTasks} cancelled` : ''} · ` +
        `${formatNumber(summary.totalTokens)} tokens${toolCallsText} · ${formatCost(summary.totalCost)} · ${formatDuration(summary.totalDuration)}`,
    );
  }
  if (state.contextTokens > 0) {
    const pruned = [...state.tasks.values()].filter((task) => task.contextPruned === true).length;
    context.print(`context   ${formatNumber(state.contextTokens)} tokens handed to tasks (${run.spec.config.contextStrategy})${pruned > 0 ? ` · pruned for ${pruned} task${pruned === 1 ? '' : 's'}` : ''}`);
  }
  if (run.error !== undefined) context.print(palette.red(`error     ${run.error.code}: ${sanitizeTerminalText(run.error.message)}`));
  context.print('');
  const rows = [['TASK', 'AGENT', 'STATUS', 'ATTEMPTS', 'DURATION', 'TOKENS', 'TOOL CALLS', 'DEPENDS ON']];
  for (const task of tasks) {
    rows.push([
      task.taskId,
      task.agentName,
      statusColour(task.status, palette),
      String(task.attempts),
      formatDuration(task.durationMs),
      formatNumber(task.usage.totalTokens),
      formatNumber(toolsOf(task.taskId)?.toolCalls ?? 0),
      task.dependencies.join(', ') || '-',
    ]);
  }
  context.print(renderTable(rows, palette));
  const agentRows = [['AGENT', 'TASKS', 'INPUT TOKENS', 'OUTPUT TOKENS', 'COST']];
  for (const usage of usageByAgent(tasks)) {
    agentRows.push([usage.agentName, String(usage.taskCount), formatNumber(usage.inputTokens), formatNumber(usage.outputTokens), formatCost(usage.costUsd)]);
  }
  context.print('');
  context.print(renderTable(agentRows, palette));
  for (const task of tasks) {
    const work = describeTaskWork(task.evidence, toolsOf(task.taskId));
    if (work.length > 0) context.print(`\n${palette.bold(task.taskId)}\n${work.map((line) => `  ${line}`).join('\n')}`);
  }
  printCommunication(context, state);
  for (const task of tasks.filter((candidate) => candidate.error !== undefined && candidate.status === 'failed')) {
    context.print(palette.red(`\n✖ ${task.taskId}: ${task.error!.code}: ${sanitizeTerminalText(task.error!.message)}`));
  }
  if (showOutputs) {
    for (const task of tasks.filter((candidate) => candidate.output !== undefined)) {
      // Agent output is untrusted: escape sequences in it must not drive the terminal (--json keeps it exact).
      context.print(`\n${palette.bold(`── ${task.taskId} (${task.agentName}) ──`)}\n${sanitizeTerminalText(task.output ?? '')}`);
    }
  } else if (tasks.some((task) => task.output !== undefined)) {
    context.print(palette.dim(`\noutputs: ensemble runs show ${runId} --output`));
  }
  return EXIT_OK;
}

/** Token use and cost per agent over a run's tasks, in order of first appearance. */
export function usageByAgent(tasks: readonly TaskRecord[]): { agentName: string; taskCount: number; inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number }[] {
  const byAgent = new Map<string, { agentName: string; taskCount: number; inputTokens: number; outputTokens: number; totalTokens: number; costUsd: number }>();
  for (const task of tasks) {
    let usage = byAgent.get(task.agentName);
    if (usage === undefined) {
      usage = { agentName: task.agentName, taskCount: 0, inputTokens: 0, outputTokens: 0, totalTokens: 0, costUsd: 0 };
      byAgent.set(task.agentName, usage);
    }
    usage.taskCount++;
    usage.inputTokens += task.usage.inputTokens;
    usage.outputTokens += task.usage.outputTokens;
    usage.totalTokens += task.usage.totalTokens;
    usage.costUsd += task.costUsd;
  }
  return [...byAgent.values()];
}

async function cancelRun(context: CliContext, runId: string): Promise<number> {
  const result = withStore(context, (store) => (requestRunCancel(store, runId) === 'cancelled' ? 'cancelled (it was interrupted; nothing was running)' : undefined));
  if (result !== undefined) {
    context.print(`${runId}: ${result}`);
    return EXIT_OK;
  }
  // The owning process polls the journal; wait (bounded) for it to record the end.
  const store = openRunStore(context.storePath);
  try {
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const status = store.runStatus(runId);
      if (status !== 'running') {
        if (context.options.json) context.printJson({ runId, status });
        else context.print(`${runId}: ${status}`);
        return EXIT_OK;
      }
    }
  } finally {
    store.close();
  }
  context.print(`${runId}: cancel requested; the run has not stopped yet (its process checks every 250 ms)`);
  return EXIT_OK;
}

/** The run's agent messages, shared context history and warnings, one line each (agent text sanitised). */
function printCommunication(context: CliContext, state: RunState): void {
  const { palette } = context;
  const firstLine = (text: string): string => truncate(sanitizeTerminalLine(text.trim().split('\n')[0] ?? ''), 100);
  if (state.messages.length > 0) {
    context.print(`\n${palette.bold('messages')}`);
    for (const message of state.messages) {
      const reply = message.inReplyTo === undefined ? '' : ` ↩ ${message.inReplyTo}`;
      context.print(`  ${message.from} (${message.taskId}) → ${message.to} [${message.messageType}${reply}]: ${firstLine(message.content)}`);
    }
  }
  if (state.sharedUpdates.length > 0) {
    context.print(`\n${palette.bold('shared context')}`);
    for (const entry of state.sharedUpdates) context.print(`  ${entry.key} v${entry.version} by ${entry.agentName} (${entry.taskId}): ${firstLine(entry.value)}`);
  }
  for (const warning of state.warnings) context.print(palette.yellow(`\n⚠ ${warning.code}: ${sanitizeTerminalText(warning.message)}`));
}
