import { stopAllRuns, type StopAllReport, type StoppedRun } from '../../orchestrator/index.js';
import { openRunStore } from '../../store/index.js';
import type { ActionFactory, Command } from '../action.js';
import { EXIT_FAILED, EXIT_OK, parseIntegerFlag, type CliContext } from '../cli-context.js';
import { sanitizeTerminalLine } from '../terminal/index.js';

/** Longest `--wait-ms` accepted: an hour. */
const MAX_WAIT_MS = 3_600_000;

/** `stop-all`: cancel every unfinished run of the journal and kill their agents on this host. */
export function registerStopAllCommand(program: Command, action: ActionFactory): void {
  program
    .command('stop-all')
    .description('cancel every running run of this journal, wait for them to stop, and kill their agents (and any a crashed run left) on this host')
    .option('--wait-ms <n>', 'how long to wait for the runs\' processes to stop them, in ms (a run still going after it makes the exit code 1)', '10000')
    .action(action((context, flags: { waitMs: string }) => stopAll(context, parseIntegerFlag('--wait-ms', flags.waitMs, 0, MAX_WAIT_MS))));
}

async function stopAll(context: CliContext, waitMs: number): Promise<number> {
  const store = openRunStore(context.storePath);
  let report: StopAllReport;
  try {
    report = await stopAllRuns({ store, waitMs });
  } finally {
    store.close();
  }
  const isComplete = report.problems.length === 0 && report.runs.every((run) => run.outcome !== 'cancel-requested');
  if (context.options.json) context.printJson(report);
  else printReport(context, report, waitMs);
  return isComplete ? EXIT_OK : EXIT_FAILED;
}

function printReport(context: CliContext, report: StopAllReport, waitMs: number): void {
  const { palette } = context;
  for (const run of report.runs) context.print(`${run.runId} (${sanitizeTerminalLine(run.workflowName)}): ${describeRun(run, waitMs, palette.red)}`);
  for (const group of report.killedGroups) context.print(`killed process group ${group.pgid} (task ${group.taskId}, pid ${group.pid}) of run ${group.runId}`);
  for (const tagged of report.killedProcesses) context.print(`killed ${tagged.count} agent process${tagged.count === 1 ? '' : 'es'} of run ${tagged.runId} found by its tag`);
  for (const problem of report.problems) context.print(palette.red(`could not stop ${problem.subject}: ${sanitizeTerminalLine(problem.error)}`));
  const cancelled = report.runs.filter((run) => run.outcome === 'cancelled').length;
  const pending = report.runs.filter((run) => run.outcome === 'cancel-requested').length;
  if (report.runs.length === 0 && report.killedGroups.length === 0 && report.killedProcesses.length === 0 && report.problems.length === 0) {
    context.print('nothing to stop: no run of this journal is running and no agent of one is left on this host');
    return;
  }
  const groups = report.killedGroups.length;
  context.print(
    `${cancelled} run${cancelled === 1 ? '' : 's'} cancelled` +
      (pending > 0 ? `, ${pending} still stopping` : '') +
      (groups > 0 ? `, ${groups} process group${groups === 1 ? '' : 's'} killed` : '') +
      (report.problems.length > 0 ? `, ${report.problems.length} problem${report.problems.length === 1 ? '' : 's'}` : ''),
  );
}

function describeRun(run: StoppedRun, waitMs: number, red: (text: string) => string): string {
  if (run.outcome === 'cancelled') return run.stoppedBy === 'journal' ? 'cancelled (nobody was running it)' : 'cancelled (its process stopped it)';
  if (run.outcome === 'already-finished') return `already finished (${run.status})`;
  return red(`cancel requested; still ${run.status} after ${Math.round(waitMs / 1000)} s in process ${run.owner.pid} on ${run.owner.host}, which has the request`);
}
