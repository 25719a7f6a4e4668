import { EnsembleError, isEnsembleError, RUN_STATUSES, type RunStatus } from '../../core/index.js';
import { isOwnerAlive } from '../../host/index.js';
import { openRunStore, type RemovedRun, type SpaceReport } from '../../store/index.js';
import type { ActionFactory, Command } from '../action.js';
import { EXIT_OK, parseIntegerFlag, type CliContext } from '../cli-context.js';
import { formatTimestamp } from '../format.js';
import { removeRunFiles } from '../../codebase/index.js';
import { dirname } from 'node:path';

interface PruneFlags {
  readonly olderThan?: string;
  readonly status?: string;
  readonly keep?: string;
  readonly dryRun?: boolean;
}

/** `runs rm` and `runs prune`: remove runs with their events, task rows and stored outputs, and give the space back. */
export function registerRunsRemoveCommands(runs: Command, action: ActionFactory): void {
  runs
    .command('rm')
    .description('remove runs with their events and outputs (a run that is still running must be cancelled first)')
    .argument('<runId...>', 'the runs to remove')
    .action(action((context, runIds: string[]) => removeRuns(context, runIds)));
  runs
    .command('prune')
    .description('remove old runs: those older than --older-than, beyond the newest --keep, or in --status')
    .option('--older-than <age>', 'only runs created longer ago than this: 30m, 12h, 7d, 2w')
    .option('--status <status>', `only runs in this state (${RUN_STATUSES.join(', ')})`)
    .option('--keep <n>', 'keep the newest n runs (of --status, if given)')
    .option('--dry-run', 'list what would be removed, remove nothing')
    // `runs` itself takes --status (to filter its listing), so commander hands a --status given to prune to it.
    .action(action((context, flags: PruneFlags) => pruneRuns(context, { ...flags, ...statusOf(flags, runs) })));
}

function statusOf(flags: PruneFlags, runs: Command): { status?: string } {
  const status = flags.status ?? runs.opts<{ status?: string }>().status;
  return status === undefined ? {} : { status };
}

async function removeRuns(context: CliContext, runIds: readonly string[]): Promise<number> {
  const store = openRunStore(context.storePath);
  try {
    store.reconcileInterrupted(isOwnerAlive);
    // Check them all first: one unknown or running run removes nothing.
    for (const runId of new Set(runIds)) {
      const run = store.getRun(runId);
      if (run === undefined) throw new EnsembleError('UNKNOWN_RUN', `no run "${runId}" in ${context.storePath}`, { details: { runId } });
      // Reconciled just above: a run still `running` has a live owner, and removeRun would refuse it after removing the ones before.
      if (run.status === 'running') {
        const { pid, host } = run.owner;
        throw new EnsembleError('RUN_ACTIVE', `run "${runId}" is running in process ${pid} on ${host}; cancel it first (ensemble cancel ${runId})`, {
          details: { runId, owner: { pid, host } },
        });
      }
    }
    const removed = [...new Set(runIds)].map((runId) => store.removeRun(runId, isOwnerAlive));
    for (const run of removed) await removeRunFiles(dirname(context.storePath), run.runId);
    const space = store.reclaimSpace(isOwnerAlive);
    report(context, removed, space, false);
    return EXIT_OK;
  } finally {
    store.close();
  }
}

async function pruneRuns(context: CliContext, flags: PruneFlags): Promise<number> {
  if (flags.olderThan === undefined && flags.status === undefined && flags.keep === undefined) {
    throw new EnsembleError('INVALID_INPUT', 'runs prune: say which runs to remove with --older-than, --keep or --status (see --help)');
  }
  if (flags.status !== undefined && !RUN_STATUSES.includes(flags.status as RunStatus)) {
    throw new EnsembleError('INVALID_INPUT', `--status: expected one of ${RUN_STATUSES.join(', ')}, got "${flags.status}"`);
  }
  const criteria = {
    ...(flags.olderThan === undefined ? {} : { olderThanMs: parseAge('--older-than', flags.olderThan) }),
    ...(flags.status === undefined ? {} : { status: flags.status as RunStatus }),
    ...(flags.keep === undefined ? {} : { keep: parseIntegerFlag('--keep', flags.keep, 0, 1_000_000) }),
  };
  const store = openRunStore(context.storePath);
  try {
    store.reconcileInterrupted(isOwnerAlive);
    const selected = store.selectRunsToPrune(criteria, isOwnerAlive);
    if (flags.dryRun === true) {
      report(context, selected, undefined, true);
      return EXIT_OK;
    }
    const removed: RemovedRun[] = [];
    for (const run of selected) {
      try {
        removed.push(store.removeRun(run.runId, isOwnerAlive));
      } catch (error) {
        // Claimed by a resume, or removed by someone else, since it was selected: leave it.
        if (!isEnsembleError(error) || (error.code !== 'RUN_ACTIVE' && error.code !== 'UNKNOWN_RUN')) throw error;
      }
    }
    for (const run of removed) await removeRunFiles(dirname(context.storePath), run.runId);
    const space = removed.length === 0 ? undefined : store.reclaimSpace(isOwnerAlive);
    report(context, removed, space, false);
    return EXIT_OK;
  } finally {
    store.close();
  }
}

function report(context: CliContext, runs: readonly RemovedRun[], space: SpaceReport | undefined, isDryRun: boolean): void {
  if (context.options.json) {
    context.printJson({ dryRun: isDryRun, removed: runs, ...(space === undefined ? {} : { space }) });
    return;
  }
  const verb = isDryRun ? 'would remove' : 'removed';
  for (const run of runs) context.print(`${verb} ${run.runId} (${run.status}, ${formatTimestamp(run.createdAt)})`);
  if (runs.length === 0) context.print(isDryRun ? 'no run matches' : 'nothing removed');
  if (space !== undefined) {
    const freed = `${(space.freedBytes / 1_048_576).toFixed(1)} MB`;
    context.print(
      space.vacuum === 'deferred'
        ? `${runs.length} run${runs.length === 1 ? '' : 's'} removed; their space is reused by new runs (the file shrinks when pruned again with no run going on)`
        : `freed ${freed} in ${context.storePath}`,
    );
  }
}

const AGE_UNITS_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses an age such as `30m`, `12h`, `7d`, `2w` into ms, naming the flag when it is not one. */
export function parseAge(flag: string, value: string): number {
  const match = /^(\d{1,6})([mhdw])$/.exec(value);
  if (match === null) throw new EnsembleError('INVALID_INPUT', `${flag}: expected an age such as 30m, 12h, 7d or 2w, got "${value}"`);
  return Number(match[1]) * AGE_UNITS_MS[match[2]!]!;
}
