import { collectMonitorSnapshot, MonitorCollector } from '../../resources/index.js';
import { openRunStore } from '../../store/index.js';
import type { ActionFactory, Command } from '../action.js';
import { EXIT_OK, parseIntegerFlag, type CliContext } from '../cli-context.js';
import { isUnicodeTerminal } from '../board/index.js';
import { renderMonitorFrame, watchMonitor } from '../monitor/index.js';
import { outputColumns } from './fit-table.js';

interface MonitorFlags {
  readonly interval: string;
}

/** The two readings of a one-off snapshot (`--json`, a pipe) are this far apart: CPU rates need a span. */
const SNAPSHOT_WINDOW_MS = 500;

const JSON_HELP = `
The live view needs a terminal. With --json, or when stdout is not a terminal, one
snapshot is taken over ${SNAPSHOT_WINDOW_MS} ms and printed. --json prints one object
(null: not known):
  takenAt   epoch ms of the reading
  host      {name, cpuPercent (0-100, all cores), loadAverage (1 min), cpuCount,
            memoryAvailableMb, memoryTotalMb}
  runs[]    running runs of the journal, newest first: {runId, workflowName,
            maxParallelAgents, processAgentLimit, limitReason (null: no pressure
            change), limitChangedAt, ownerHost, ownerAlive, agentCount}
  agents[]  agents running on this host: {runId, workflowName, taskId, agentName,
            attempt, pid, processCount, cpuPercent (% of one core), cpuSeconds,
            rssBytes, startedAt, elapsedMs, currentTool {tool, input, startedAt},
            tokens {inputTokens, outputTokens, totalTokens}}
An agent without processes (an llm agent between tool calls) has a null pid,
cpuPercent, cpuSeconds and rssBytes; tokens count the attempts the journal has ended.`;

/** `ensemble monitor [--interval ms] [--json]`. */
export function registerMonitorCommand(program: Command, action: ActionFactory): void {
  program
    .command('monitor')
    .description(
      "live view of every agent running on this host across the journal's runs (pid, CPU, memory, elapsed, current tool, tokens) with host CPU, memory and process-agent limits; q or Ctrl-C quits",
    )
    .option('--interval <ms>', 'time between refreshes of the live view, in ms (100 to 600000)', '1000')
    .addHelpText('after', JSON_HELP)
    .action(action((context, flags: MonitorFlags) => monitor(context, flags)));
}

async function monitor(context: CliContext, flags: MonitorFlags): Promise<number> {
  const intervalMs = parseIntegerFlag('--interval', flags.interval, 100, 600_000);
  const store = openRunStore(context.storePath);
  try {
    if (context.options.json || !context.stdout.isTTY) {
      const snapshot = await collectMonitorSnapshot(store, { sampleWindowMs: SNAPSHOT_WINDOW_MS });
      if (context.options.json) {
        context.printJson(snapshot);
      } else {
        const columns = outputColumns(context);
        const frame = renderMonitorFrame(snapshot, { ...(columns === undefined ? {} : { columns }), palette: context.palette, unicode: isUnicodeTerminal(context.env) });
        for (const line of frame) context.print(line);
      }
      return EXIT_OK;
    }
    const collector = new MonitorCollector(store);
    const controller = new AbortController();
    // Ctrl-C arrives as a key while the keyboard is read raw; as a signal when stdin is not the terminal. Either ends the view: exit 0.
    const onSignal = (): void => controller.abort();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      await watchMonitor({
        collect: () => collector.collect(),
        output: context.stdout,
        keys: process.stdin,
        palette: context.palette,
        unicode: isUnicodeTerminal(context.env),
        intervalMs,
        firstFrameDelayMs: Math.min(intervalMs, SNAPSHOT_WINDOW_MS),
        signal: controller.signal,
      });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    return EXIT_OK;
  } finally {
    store.close();
  }
}
