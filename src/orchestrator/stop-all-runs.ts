import { setTimeout as sleep } from 'node:timers/promises';
import { EnsembleError, foldRunEvents, isEnsembleError, type RunStatus } from '../core/index.js';
import { killRunAgentProcesses } from '../agents/index.js';
import { currentOwner, isOwnerAlive } from '../host/index.js';
import type { RunRecord, RunStore } from '../store/index.js';
import { findAbandonedRuns, killAbandonedGroup, type AbandonedGroup } from './abandoned-agent-groups.js';
import { findOrphanGroups } from './reap-orphan-groups.js';
import { requestRunCancel } from './request-run-cancel.js';
import { abortReason } from './throw-if-aborted.js';

/** Options of {@link stopAllRuns}. */
export interface StopAllRunsOptions {
  readonly store: RunStore;
  /** How long to wait for the owners of running runs to stop them, in ms. @default 10000 */
  readonly waitMs?: number;
  /** Between SIGTERM and SIGKILL of an agent's process group, in ms. @default 2000 */
  readonly graceMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * What became of one run: `cancelled` (its owner stopped it within the wait, or nobody ran it and it
 * was marked so), `cancel-requested` (its owner has the request but had not stopped it when the
 * wait ended), or `already-finished` (it ended on its own meanwhile).
 */
export type StopOutcome = 'cancelled' | 'cancel-requested' | 'already-finished';

/** One run `stop-all` acted on. */
export interface StoppedRun {
  readonly runId: string;
  readonly workflowName: string;
  readonly outcome: StopOutcome;
  /** Its status when `stop-all` last looked. */
  readonly status: RunStatus;
  /** Who stopped it: its `owner` (through the journal's cancel request), or the `journal` (nobody ran it: marked cancelled). */
  readonly stoppedBy: 'owner' | 'journal';
  /** The process that ran it when `stop-all` started. */
  readonly owner: { readonly pid: number; readonly host: string };
}

/** An agent's process group killed on this host. */
export interface KilledGroup {
  readonly runId: string;
  readonly taskId: string;
  readonly pid: number;
  readonly pgid: number;
}

/** Something `stop-all` could not do, named. */
export interface StopProblem {
  readonly subject: string;
  readonly error: string;
}

/** What `stop-all` did, as recorded in the journal's maintenance log and printed by `ensemble stop-all --json`. */
export interface StopAllReport {
  /** Its row in `maintenance_actions`. */
  readonly actionId: number;
  readonly host: string;
  readonly runs: readonly StoppedRun[];
  readonly killedGroups: readonly KilledGroup[];
  /** Agent processes found by their run tag (`ENSEMBLE_RUN_ID`) outside any journaled group, killed, per run. */
  readonly killedProcesses: readonly { readonly runId: string; readonly count: number }[];
  readonly problems: readonly StopProblem[];
}

const POLL_MS = 100;

/**
 * `ensemble stop-all`: cancels every unfinished run of the journal the way `ensemble cancel` does
 * (a cancel request its owner acts on within a second; a run nobody runs is marked `cancelled`),
 * waits up to `waitMs` for the owners to stop theirs, then kills on this host the agent groups
 * of those runs still open, agents found by their run tag, and any group the journal knows of in
 * a run whose owner is gone. Recorded, with its report, in the maintenance log. A second call finds
 * nothing to do.
 */
export async function stopAllRuns(options: StopAllRunsOptions): Promise<StopAllReport> {
  const { store } = options;
  const { host, pid } = currentOwner();
  const waitMs = options.waitMs ?? 10_000;
  const actionId = store.maintenance.start({ action: 'stop-all', host, pid, startedAt: Date.now(), request: { waitMs } });
  const runs = new Map<string, StoppedRun>();
  const problems: StopProblem[] = [];
  const killedGroups: KilledGroup[] = [];
  const killedProcesses: { runId: string; count: number }[] = [];
  try {
    store.reconcileInterrupted(isOwnerAlive);
    const targets = [...store.listRuns({ status: 'running', limit: 100_000 }), ...store.listRuns({ status: 'interrupted', limit: 100_000 })];
    for (const run of targets) {
      const stopped = cancelOne(store, run);
      if (stopped !== undefined) runs.set(run.runId, stopped);
    }
    await waitForOwners(store, runs, waitMs, options.signal);
    const touched = [...runs.values()].filter((run) => run.outcome !== 'already-finished').map((run) => run.runId);
    const groups = collectGroups(store, touched, host, (runId, error) => problems.push({ subject: `the agents of run ${runId} (none was killed)`, error: messageOf(error) }));
    for (const group of groups) {
      try {
        if ((await killAbandonedGroup(group, { graceMs: options.graceMs ?? 2_000 })) === 'killed') {
          killedGroups.push({ runId: group.runId, taskId: group.taskId, pid: group.pid, pgid: group.pgid });
        }
      } catch (error) {
        problems.push({ subject: `process group ${group.pgid} of task ${group.taskId} (run ${group.runId})`, error: messageOf(error) });
      }
    }
    // Agents spawned just before their owner died, whose group never reached the journal, carry their run's tag.
    for (const runId of touched) {
      const count = await killRunAgentProcesses(runId);
      if (count > 0) killedProcesses.push({ runId, count });
    }
    // Killing a late owner's agents often lets it end the run at once.
    await waitForOwners(store, runs, 0, options.signal);
  } catch (error) {
    problems.push({ subject: 'stop-all', error: messageOf(error) });
    try {
      finish(store, actionId, { actionId, host, runs: [...runs.values()], killedGroups, killedProcesses, problems });
    } catch {
      // The journal itself failed: the error above says why, and the action stays recorded as started.
    }
    throw error;
  }
  return finish(store, actionId, { actionId, host, runs: [...runs.values()], killedGroups, killedProcesses, problems });
}

/** Cancels one run as `ensemble cancel` does; undefined when it is gone from the journal. */
function cancelOne(store: RunStore, run: RunRecord): StoppedRun | undefined {
  const base = { runId: run.runId, workflowName: run.workflowName, owner: { pid: run.owner.pid, host: run.owner.host } };
  try {
    const result = requestRunCancel(store, run.runId);
    return result === 'cancelled'
      ? { ...base, outcome: 'cancelled', status: 'cancelled', stoppedBy: 'journal' }
      : { ...base, outcome: 'cancel-requested', status: 'running', stoppedBy: 'owner' };
  } catch (error) {
    // Ended (or removed) between the listing and the request.
    if (isEnsembleError(error) && error.code === 'RUN_NOT_RESUMABLE') {
      return { ...base, outcome: 'already-finished', status: store.runStatus(run.runId) ?? run.status, stoppedBy: 'owner' };
    }
    if (isEnsembleError(error) && error.code === 'UNKNOWN_RUN') return undefined;
    throw error;
  }
}

/**
 * Polls the runs whose owners have a cancel request until each has ended or `waitMs` passed. An
 * owner that dies meanwhile leaves its run interrupted, which is then marked cancelled.
 */
async function waitForOwners(store: RunStore, runs: Map<string, StoppedRun>, waitMs: number, signal: AbortSignal | undefined): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const pending = [...runs.values()].filter((run) => run.outcome === 'cancel-requested');
    if (pending.length === 0) return;
    store.reconcileInterrupted(isOwnerAlive);
    for (const run of pending) {
      const status = store.runStatus(run.runId);
      if (status === 'interrupted' && store.cancelInterrupted(run.runId)) {
        runs.set(run.runId, { ...run, outcome: 'cancelled', status: 'cancelled', stoppedBy: 'journal' });
      } else if (status !== undefined && status !== 'running' && status !== 'interrupted') {
        runs.set(run.runId, { ...run, outcome: status === 'cancelled' ? 'cancelled' : 'already-finished', status });
      }
    }
    if (Date.now() >= deadline) return;
    if (signal?.aborted === true) throw new EnsembleError('RUN_CANCELLED', `stop-all was stopped while waiting for the runs to end: ${abortReason(signal)}`, { cause: signal.reason });
    await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
  }
}

/**
 * The groups to kill on this host: those the stopped runs left open (an owner that did not stop
 * in time, or died), and those of any other run whose owner is gone. Distributed runs included:
 * `stop-all` stops every agent, wherever its run is owned.
 */
function collectGroups(store: RunStore, touched: readonly string[], host: string, onUnreadable: (runId: string, error: unknown) => void): AbandonedGroup[] {
  const groups = new Map<string, AbandonedGroup>();
  for (const runId of touched) {
    for (const group of findOrphanGroups(foldRunEvents(store.readEvents(runId)))) {
      if (group.host === host) groups.set(`${group.pgid}:${group.startTicks ?? ''}`, { ...group, runId });
    }
  }
  for (const run of findAbandonedRuns(store, { host, isOwnerAlive, onUnreadable })) {
    for (const group of run.groups) groups.set(`${group.pgid}:${group.startTicks ?? ''}`, group);
  }
  return [...groups.values()];
}

function finish(store: RunStore, actionId: number, report: StopAllReport): StopAllReport {
  store.maintenance.finish(actionId, { ...report }, Date.now());
  return report;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
