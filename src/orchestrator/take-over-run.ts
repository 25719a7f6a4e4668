import { EnsembleError, foldRunEvents, toResumePrior, type SchedulerPrior } from '../core/index.js';
import { killRunAgentProcesses } from '../agents/index.js';
import { currentOwner, holdClaim, isOwnerAlive, releaseHeldClaim } from '../host/index.js';
import type { RecordedOwner, RunClaim, RunRecord, RunStore } from '../store/index.js';
import { findOrphanGroups, killLocalOrphans, waitForRemoteOrphans } from './reap-orphan-groups.js';
import { toStoredSettings, type ResumeSettings, type SettingOverride } from './resolve-run-settings.js';

/** The run a resume continues: it must be journaled and not have succeeded. */
export function findResumableRun(store: RunStore | undefined, runId: string): { readonly store: RunStore; readonly run: RunRecord } {
  if (store === undefined) throw new EnsembleError('RUN_NOT_RESUMABLE', 'resume needs a journal; this orchestrator has store: false');
  const run = store.getRun(runId);
  if (run === undefined) throw new EnsembleError('UNKNOWN_RUN', `no run "${runId}" in ${store.path}`, { details: { runId } });
  if (run.status === 'succeeded') {
    throw new EnsembleError('RUN_NOT_RESUMABLE', `run "${runId}" already succeeded; there is nothing to resume`, { details: { runId } });
  }
  return { store, run };
}

export interface TakeOverRunOptions {
  readonly store: RunStore;
  readonly run: RunRecord;
  /** What the resume runs with, and which stored settings it overrides (kept with the run). */
  readonly resolved: ResumeSettings;
  readonly staleAfterMs: number;
  /** Resume without waiting for leftover process groups on other hosts. */
  readonly ignoreRemoteAgents: boolean;
  /** How long to wait for those to exit, in ms. */
  readonly orphanWaitMs: number;
  /** Between SIGTERM and SIGKILL of a leftover process group on this host, in ms. */
  readonly orphanGraceMs: number;
  /** Told the overrides once the run is this process's. */
  readonly onOverrides: (overrides: readonly SettingOverride[]) => void;
  readonly signal: AbortSignal | undefined;
  /**
   * The run's tasks execute on workers (`redis`): their agents belong to the workers, which may still
   * run them for the resume to re-attach to, so none is waited for or killed here. A worker that
   * takes over a dead worker's job kills that worker's agents on its own host. @default false
   */
  readonly isDistributed?: boolean;
}

/**
 * Makes an unfinished run this process's: refuses one another live process runs, waits for the
 * crashed execution's agents on other hosts, claims the run (one compare-and-set), keeps the
 * overridden settings, kills its leftover agents on this host and returns what already ran. A
 * failure after the claim leaves the run `interrupted`, resumable again.
 */
export async function takeOverRun(options: TakeOverRunOptions): Promise<{ readonly claim: RunClaim; readonly prior: SchedulerPrior }> {
  const { store, run, resolved } = options;
  const { runId } = run;
  const recorded: RecordedOwner = { ...run.owner, ...(run.heartbeatAt === undefined ? {} : { heartbeatAt: run.heartbeatAt }), ...(run.staleAfterMs === undefined ? {} : { staleAfterMs: run.staleAfterMs }) };
  // Checked again, atomically, by the claim below; this only spares a wait for a run that is plainly taken.
  if (run.status === 'running' && isOwnerAlive(recorded)) throw runningElsewhere(runId, recorded);
  if (!options.ignoreRemoteAgents && options.isDistributed !== true) {
    // Before the claim: once it is taken, the earlier owner can journal nothing more (not even its agents' exit).
    await waitForRemoteOrphans(() => findOrphanGroups(foldRunEvents(store.readEvents(runId))), {
      host: currentOwner().host,
      waitMs: options.orphanWaitMs,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }
  const claim = store.claimRun(runId, currentOwner(), { isOwnerAlive: (owner) => isOwnerAlive(owner), staleAfterMs: options.staleAfterMs });
  holdClaim(claim.token);
  try {
    if (resolved.overrides.length > 0) {
      store.updateSpec(runId, { ...run.spec, config: resolved.config, settings: toStoredSettings(resolved.settings) });
      options.onOverrides(resolved.overrides);
    }
    const state = foldRunEvents(store.readEvents(runId));
    const host = currentOwner().host;
    const localGroups = options.isDistributed === true ? [] : findOrphanGroups(state).filter((group) => group.host === host);
    // Resolves once every one is gone (or its pgid names another process now); throws otherwise.
    await killLocalOrphans(localGroups, { graceMs: options.orphanGraceMs });
    // An agent spawned just before the crash may have no journaled group: find it by its environment.
    if (options.isDistributed !== true) await killRunAgentProcesses(runId);
    return { claim, prior: { ...toResumePrior(state), reapedGroups: localGroups } };
  } catch (error) {
    store.releaseClaim(claim, 'interrupted');
    releaseHeldClaim(claim.token);
    throw error;
  }
}

function runningElsewhere(runId: string, owner: RecordedOwner): EnsembleError {
  return new EnsembleError('RUN_NOT_RESUMABLE', `run "${runId}" is running in process ${owner.pid} on ${owner.host}; cancel it first or wait for it to end`, {
    details: { runId, owner: { pid: owner.pid, host: owner.host } },
  });
}
