import { foldRunEvents, type RunStatus } from '../core/index.js';
import { killLeftoverAgentProcesses } from '../agents/index.js';
import { isProcessGroupAlive, terminateProcessGroup, type TerminationResult } from '../host/index.js';
import type { RecordedOwner, RunRecord, RunStore } from '../store/index.js';
import { mayHaveOrphans, recordedOwnerOf } from './leftover-verdicts.js';
import { findOrphanGroups, type OrphanGroup } from './reap-orphan-groups.js';

/** A process group a run journaled as started and never as exited, with its run. */
export interface AbandonedGroup extends OrphanGroup {
  readonly runId: string;
}

/** A run whose owner is gone and which may have left agents running, with its open groups on this host. */
export interface AbandonedRun {
  readonly runId: string;
  readonly status: RunStatus;
  /** Its tasks ran on workers (`--redis`): its agents belong to the workers, which a resume re-attaches to. */
  readonly isDistributed: boolean;
  /** Groups on `host` started and never seen to exit (alive or not: see {@link isAbandonedGroupAlive}). */
  readonly groups: readonly AbandonedGroup[];
}

// Statuses of runs whose owner may have died with agents running; `succeeded` runs ended under their owner.
const ORPHANING_STATUSES: readonly RunStatus[] = ['interrupted', 'running', 'cancelled', 'failed'];
// Runs read per status: a journal holds at most this many runs of one status that cleanup looks at.
const RUNS_PER_STATUS = 100_000;

/**
 * The runs of the journal whose owner is gone (judged by `isOwnerAlive`) and which may have left
 * agents behind: interrupted ones, running ones under a dead owner, and ended ones their owner
 * never closed (cancelled from outside after a crash). Each comes with its open groups on `host`,
 * folded from its events. Live runs are never listed.
 */
export function findAbandonedRuns(
  store: RunStore,
  options: {
    readonly host: string;
    readonly isOwnerAlive: (owner: RecordedOwner) => boolean;
    /** Told of a run whose spec or events do not read back; it is left out (nothing of it is touched). */
    readonly onUnreadable?: (runId: string, error: unknown) => void;
  },
): AbandonedRun[] {
  const found: AbandonedRun[] = [];
  for (const status of ORPHANING_STATUSES) {
    for (const run of store.listRuns({ status, limit: RUNS_PER_STATUS })) {
      if (status === 'running' && options.isOwnerAlive(recordedOwnerOf(run))) continue;
      try {
        if (!mayHaveOrphans(status, lastEventType(store, run))) continue;
        const groups = findOrphanGroups(foldRunEvents(store.readEvents(run.runId)))
          .filter((group) => group.host === options.host)
          .map((group) => ({ ...group, runId: run.runId }));
        found.push({ runId: run.runId, status, isDistributed: run.spec.settings?.redis !== undefined, groups });
      } catch (error) {
        // One corrupt run must not keep the others' orphans alive.
        if (options.onUnreadable === undefined) throw error;
        options.onUnreadable(run.runId, error);
      }
    }
  }
  return found;
}

/** Whether any process of the group still runs (what a dry run would kill). */
export function isAbandonedGroupAlive(group: AbandonedGroup): boolean {
  return isProcessGroupAlive(group.pgid);
}

/**
 * Kills an abandoned group on this host (SIGTERM, SIGKILL after `graceMs`) and what left it
 * (its cgroup, session or descendants), as a resume does: `killed`, `gone` already, or `not-ours`
 * (its pgid now names another process, left alone).
 * @throws EnsembleError `INTERNAL` when it survives SIGKILL.
 */
export async function killAbandonedGroup(group: AbandonedGroup, options: { readonly graceMs: number }): Promise<TerminationResult> {
  let hasKilledEscaped = false;
  const killEscaped = (): void => {
    if (killLeftoverAgentProcesses(group) === 'killed') hasKilledEscaped = true;
  };
  const result = await terminateProcessGroup(group, { graceMs: options.graceMs, beforeKill: killEscaped });
  // The group may have ended on SIGTERM while something it started in a session of its own lives on.
  if (result !== 'not-ours') killEscaped();
  return result === 'gone' && hasKilledEscaped ? 'killed' : result;
}

function lastEventType(store: RunStore, run: RunRecord) {
  if (run.lastSeq === 0) return undefined;
  return store.readEvents(run.runId, { afterSeq: run.lastSeq - 1, limit: 1 })[0]?.type;
}
