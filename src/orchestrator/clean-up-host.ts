import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  killRunAgentProcesses,
  listAbandonedCgroups,
  listAbandonedScratchDirs,
  listTaggedAgentProcesses,
  sweepAbandonedCgroups,
  sweepAbandonedScratchDirs,
} from '../agents/index.js';
import {
  listPatchFolders,
  listPrunableWorktrees,
  listRecordedWorkspaceCopies,
  listTicketWorktreeFolders,
  pruneWorktrees,
  removeCleanTicketWorktree,
  removeDataPath,
  removeRecordedWorkspaceCopy,
  type RecordedWorkspaceCopy,
  type TicketWorktreeFolder,
} from '../codebase/index.js';
import { EnsembleError } from '../core/index.js';
import { currentOwner, isOwnerAlive, isProcessAlive } from '../host/index.js';
import type { RunStore } from '../store/index.js';
import { findAbandonedRuns, isAbandonedGroupAlive, killAbandonedGroup } from './abandoned-agent-groups.js';
import { CleanupTally, type CleanupItemKind, type CleanupReport } from './cleanup-report.js';
import { abortReason } from './throw-if-aborted.js';
import { judgeLease, judgePartialPatch, judgePatchFolder, judgeTicketWorktree, judgeWorkspaceCopy } from './leftover-verdicts.js';
import { RunPresenceIndex } from './run-presence-index.js';
import { TICKET_RUN_WORKFLOW_ID } from './ticket-run.js';

/** Options of {@link cleanUpHost}. */
export interface CleanUpHostOptions {
  readonly store: RunStore;
  /** List what would be removed and remove nothing. @default false */
  readonly isDryRun?: boolean;
  /** Between SIGTERM and SIGKILL of an orphaned process group, in ms. @default 2000 */
  readonly graceMs?: number;
  /** The temp folder holding agents' scratch folders. @default os.tmpdir() */
  readonly tmpDir?: string;
  /** Stops the git calls; what was removed stays removed. */
  readonly signal?: AbortSignal;
}

/** Ticket runs read to find the repositories whose worktree registrations may need pruning. */
const TICKET_RUNS_READ = 10_000;

/**
 * `ensemble cleanup`: removes what crashed runs of this journal left on this host, and reports it:
 * orphaned agent process groups (and agents found by their run tag) of runs whose owner is gone,
 * scratch folders and empty cgroups of dead ensemble processes, leases no live run holds,
 * workspace copies of dead processes, patches of removed runs, ticket worktrees nothing will work
 * in again, and worktree registrations whose folders are gone. Nothing of a live run is touched;
 * what a resume or a pending review needs, and uncommitted work, is kept and reported with why.
 * Each step runs even when an earlier one failed; failures are reported, named. Recorded, with its
 * report, in the maintenance log.
 */
export async function cleanUpHost(options: CleanUpHostOptions): Promise<CleanupReport> {
  const { store } = options;
  const isDryRun = options.isDryRun ?? false;
  const { host, pid } = currentOwner();
  const actionId = store.maintenance.start({ action: 'cleanup', host, pid, startedAt: Date.now(), request: { dryRun: isDryRun } });
  const tally = new CleanupTally(isDryRun);
  try {
    await runSteps(store, tally, isDryRun, host, options);
  } finally {
    // Recorded even when the journal failed midway, with what was done by then.
    store.maintenance.finish(actionId, { ...tally.toReport(actionId, host) }, Date.now());
  }
  return tally.toReport(actionId, host);
}

async function runSteps(store: RunStore, tally: CleanupTally, isDryRun: boolean, host: string, options: CleanUpHostOptions): Promise<void> {
  // A dry run writes nothing but its log entry: runs whose owner died are judged, not marked interrupted.
  if (!isDryRun) store.reconcileInterrupted(isOwnerAlive);
  const context: CleanupContext = {
    store,
    host,
    isDryRun,
    tally,
    presence: new RunPresenceIndex(store, isOwnerAlive, (runId, error) => tally.fail('run', `run ${runId} (nothing of it was touched)`, error, runId)),
    signal: options.signal ?? new AbortController().signal,
    dataDir: store.path === ':memory:' ? undefined : dirname(resolve(store.path)),
  };
  const signal = context.signal;
  // An abort stops cleanup between steps; what was removed stays removed, and the report says so.
  const step = <T>(kind: CleanupItemKind, body: () => Promise<T>): Promise<T | undefined> => {
    if (signal.aborted) throw new EnsembleError('RUN_CANCELLED', `cleanup was stopped before its ${kind} step: ${abortReason(signal)}`, { cause: signal.reason });
    return tally.step(kind, body);
  };
  const killedCgroups = await step('process-group', () => cleanUpProcesses(context, options.graceMs ?? 2_000));
  await step('cgroup', () => cleanUpCgroups(context, killedCgroups ?? []));
  await step('scratch-folder', () => cleanUpScratchFolders(context, options.tmpDir ?? tmpdir()));
  await step('lease', () => cleanUpLeases(context));
  if (context.dataDir !== undefined) {
    const dataDir = context.dataDir;
    const copies = (await step('workspace-copy', () => listRecordedWorkspaceCopies(dataDir))) ?? [];
    const ticketFolders = (await step('ticket-worktree', () => listTicketWorktreeFolders(dataDir, context.signal))) ?? [];
    // Listed before anything is removed: removing a copy prunes its repository's registrations as a side effect.
    const prunable = (await step('worktree-registration', () => listRegistrationsToPrune(context, dataDir, copies, ticketFolders))) ?? new Map<string, string[]>();
    await step('workspace-copy', () => cleanUpWorkspaceCopies(context, copies));
    await step('patches', () => cleanUpPatches(context, dataDir));
    await step('ticket-worktree', () => cleanUpTicketWorktrees(context, ticketFolders));
    await step('worktree-registration', () => pruneRegistrations(context, dataDir, prunable));
  }
}

interface CleanupContext {
  readonly store: RunStore;
  readonly host: string;
  readonly isDryRun: boolean;
  readonly tally: CleanupTally;
  readonly presence: RunPresenceIndex;
  readonly signal: AbortSignal;
  /** The journal's data folder (copies, patches, worktrees); undefined for an in-memory journal. */
  readonly dataDir: string | undefined;
}

/** Kills orphaned groups, then tagged agents outside them; resolves with the cgroups of the groups killed (or that a dry run would kill). */
async function cleanUpProcesses(context: CleanupContext, graceMs: number): Promise<string[]> {
  const { tally, isDryRun } = context;
  const cgroups: string[] = [];
  const doomedGroups = new Set<number>();
  const distributed = new Set<string>();
  const onUnreadable = (runId: string, error: unknown): void => tally.fail('process-group', `the agents of run ${runId} (none was touched)`, error, runId);
  for (const run of findAbandonedRuns(context.store, { host: context.host, isOwnerAlive, onUnreadable })) {
    if (run.isDistributed) distributed.add(run.runId);
    for (const group of run.groups) {
      const subject = `${group.pgid} (task ${group.taskId}, pid ${group.pid})`;
      if (!isAbandonedGroupAlive(group)) continue;
      if (run.isDistributed) {
        tally.keep('process-group', subject, `run ${run.runId} ran on workers (--redis): its agents are theirs, and a resume re-attaches to them`, run.runId);
        continue;
      }
      doomedGroups.add(group.pgid);
      if (group.cgroup !== undefined) cgroups.push(group.cgroup);
      if (isDryRun) {
        tally.remove('process-group', subject, run.runId);
        continue;
      }
      try {
        if ((await killAbandonedGroup(group, { graceMs })) === 'killed') tally.remove('process-group', subject, run.runId);
      } catch (error) {
        tally.fail('process-group', subject, error, run.runId);
      }
    }
  }
  // Agents spawned just before their owner died have no journaled group; their environment names their run.
  for (const [runId, processes] of listTaggedAgentProcesses()) {
    const presence = context.presence.of(runId);
    // A tag of a run this journal does not know belongs to another journal's run.
    if (presence === 'absent' || presence === 'live' || distributed.has(runId)) continue;
    const outside = processes.filter((entry) => !doomedGroups.has(entry.pgid));
    if (isDryRun) {
      if (outside.length > 0) tally.remove('agent-processes', `${outside.length} agent process${outside.length === 1 ? '' : 'es'} found by their tag ENSEMBLE_RUN_ID=${runId}`, runId);
      continue;
    }
    // Read again just before: a resume that claimed the run since has started agents of its own.
    if (context.presence.fresh(runId) === 'live') continue;
    const count = await killRunAgentProcesses(runId);
    if (count > 0) tally.remove('agent-processes', `${count} agent process${count === 1 ? '' : 'es'} found by their tag ENSEMBLE_RUN_ID=${runId}`, runId);
  }
  return cgroups;
}

/** Empty cgroups of dead ensemble processes; a populated one stays until its processes are gone. */
async function cleanUpCgroups(context: CleanupContext, killedCgroups: readonly string[]): Promise<void> {
  const { tally } = context;
  const populatedReason = 'processes still run in it (agents of a crashed ensemble process this journal does not know): kill them, or resume their run';
  const before = listAbandonedCgroups();
  if (context.isDryRun) {
    for (const cgroup of before) {
      const emptiedByKills = killedCgroups.some((agentCgroup) => agentCgroup.startsWith(`${cgroup.path}/`));
      if (!cgroup.isPopulated || emptiedByKills) tally.remove('cgroup', cgroup.path);
      else tally.keep('cgroup', cgroup.path, populatedReason);
    }
    return;
  }
  sweepAbandonedCgroups();
  const left = new Map(listAbandonedCgroups().map((cgroup) => [cgroup.path, cgroup]));
  for (const cgroup of before) {
    const remaining = left.get(cgroup.path);
    if (remaining === undefined) tally.remove('cgroup', cgroup.path);
    else if (remaining.isPopulated) tally.keep('cgroup', cgroup.path, populatedReason);
    else tally.fail('cgroup', cgroup.path, new Error('could not be removed'));
  }
}

/** Scratch folders (prompts, inputs, outputs) of ensemble processes on this host that are gone. */
async function cleanUpScratchFolders(context: CleanupContext, tmpDir: string): Promise<void> {
  if (context.isDryRun) {
    for (const path of listAbandonedScratchDirs(tmpDir)) context.tally.remove('scratch-folder', path);
    return;
  }
  for (const path of sweepAbandonedScratchDirs(tmpDir)) context.tally.remove('scratch-folder', path);
  for (const path of listAbandonedScratchDirs(tmpDir)) context.tally.fail('scratch-folder', path, new Error('could not be removed'));
}

/** Leases no live run holds: they only keep other runs from the files. */
async function cleanUpLeases(context: CleanupContext): Promise<void> {
  const { store, tally } = context;
  const now = Date.now();
  const byOwner = new Map<string, ReturnType<RunStore['codebase']['listLeases']>>();
  for (const lease of store.codebase.listLeases(now, { includeExpired: true })) byOwner.set(lease.owner, [...(byOwner.get(lease.owner) ?? []), lease]);
  for (const [owner, leases] of byOwner) {
    if (leases.some((lease) => judgeLease(context.presence.of(lease.runId)).action === 'skip')) continue;
    const describe = (lease: (typeof leases)[number]): string => `${lease.pattern} held by ${owner}${lease.expiresAt <= now ? ' (expired)' : ''}`;
    if (context.isDryRun) {
      for (const lease of leases) tally.remove('lease', describe(lease), lease.runId);
      continue;
    }
    // Read again just before: a resume may have claimed the run since (it acquires its leases again, under the same owner).
    if (leases.some((lease) => judgeLease(context.presence.fresh(lease.runId)).action === 'skip')) continue;
    for (const lease of store.codebase.releaseLeases(owner)) tally.remove('lease', describe(lease), lease.runId);
  }
}

/** Workspace copies of isolated attempts whose process is gone. */
async function cleanUpWorkspaceCopies(context: CleanupContext, copies: readonly RecordedWorkspaceCopy[]): Promise<void> {
  const { tally } = context;
  for (const copy of copies) {
    const verdict = judgeWorkspaceCopy({
      ownerHost: copy.owner.host,
      isOwnerRunning: copy.owner.host === context.host && isProcessAlive(copy.owner.pid, copy.owner.startTicks),
      presence: context.presence.of(copy.runFolder),
      host: context.host,
    });
    if (verdict.action === 'skip') continue;
    if (verdict.action === 'keep') {
      tally.keep('workspace-copy', copy.root, verdict.reason, copy.runFolder);
      continue;
    }
    if (!context.isDryRun) await removeRecordedWorkspaceCopy(copy);
    if (!context.isDryRun && existsSync(copy.root)) tally.fail('workspace-copy', copy.root, new Error('could not be removed'), copy.runFolder);
    else tally.remove('workspace-copy', copy.root, copy.runFolder);
  }
}

/** Patch folders of runs the journal no longer has, and half-written patches. */
async function cleanUpPatches(context: CleanupContext, dataDir: string): Promise<void> {
  const { tally } = context;
  for (const folder of await listPatchFolders(dataDir)) {
    const presence = context.presence.of(folder.runId);
    const verdict = judgePatchFolder(folder.runId, presence, context.presence.statusOf(folder.runId));
    if (verdict.action === 'keep') tally.keep('patches', folder.path, verdict.reason, folder.runId);
    const removable = verdict.action === 'remove' ? [folder.path] : judgePartialPatch(presence).action === 'remove' ? folder.partialFiles : [];
    for (const path of removable) {
      try {
        if (!context.isDryRun) await removeDataPath(path);
        tally.remove('patches', path, folder.runId);
      } catch (error) {
        tally.fail('patches', path, error, folder.runId);
      }
    }
  }
}

/** Ticket worktrees nothing will work in again and that hold no uncommitted work; their branches stay. */
async function cleanUpTicketWorktrees(context: CleanupContext, folders: readonly TicketWorktreeFolder[]): Promise<void> {
  const { store, tally, signal } = context;
  const pendingReviews = new Map<string, { reviewId: string; status: string }>();
  for (const review of store.codebase.listReviews()) {
    if (review.status === 'open' || review.status === 'needs-retry') pendingReviews.set(resolve(review.worktree), { reviewId: review.id, status: review.status });
  }
  for (const folder of folders) {
    const ticket = store.codebase.getTicket(folder.ticketId);
    const runId = ticket?.runId;
    const pendingReview = pendingReviews.get(resolve(folder.path));
    const verdict = judgeTicketWorktree({
      ticketId: folder.ticketId,
      ...(ticket === undefined ? {} : { ticket: { status: ticket.status, ...(runId === undefined ? {} : { runId }) } }),
      ...(runId === undefined ? {} : { runPresence: context.presence.of(runId) }),
      ...(pendingReview === undefined ? {} : { pendingReview }),
      isWorktree: folder.repository !== undefined,
      hasUncommittedChanges: folder.hasUncommittedChanges,
    });
    if (verdict.action === 'skip') continue;
    if (verdict.action === 'keep') {
      tally.keep('ticket-worktree', folder.path, verdict.reason, runId);
      continue;
    }
    try {
      if (!context.isDryRun && folder.repository !== undefined) await removeCleanTicketWorktree({ ...folder, repository: folder.repository }, signal);
      tally.remove('ticket-worktree', folder.path, runId);
    } catch (error) {
      tally.fail('ticket-worktree', folder.path, error, runId);
    }
  }
}

/**
 * Per repository, the registered worktrees under the data folder whose folders are gone. The
 * repositories are those of the copies and ticket worktrees found, and the workspaces of ticket
 * runs that are not live (a worktree deleted by hand leaves only its registration).
 */
async function listRegistrationsToPrune(
  context: CleanupContext,
  dataDir: string,
  copies: readonly RecordedWorkspaceCopy[],
  ticketFolders: readonly TicketWorktreeFolder[],
): Promise<Map<string, string[]>> {
  const repositories = new Set<string>();
  for (const copy of copies) if (copy.owner.repository !== undefined) repositories.add(copy.owner.repository);
  for (const folder of ticketFolders) if (folder.repository !== undefined) repositories.add(folder.repository);
  for (const run of context.store.listRuns({ workflowIdPrefix: TICKET_RUN_WORKFLOW_ID, limit: TICKET_RUNS_READ })) {
    const workspaceDir = context.presence.of(run.runId) === 'live' ? undefined : run.spec.settings?.workspaceDir;
    if (workspaceDir !== undefined && existsSync(workspaceDir)) repositories.add(workspaceDir);
  }
  const prunable = new Map<string, string[]>();
  for (const repository of repositories) {
    const paths = await listPrunableWorktrees(repository, join(dataDir, 'worktrees'), context.signal);
    if (paths.length > 0) prunable.set(repository, paths);
  }
  return prunable;
}

/** `git worktree prune` in each repository that had registrations to prune (removing copies may have pruned them already). */
async function pruneRegistrations(context: CleanupContext, dataDir: string, prunable: ReadonlyMap<string, readonly string[]>): Promise<void> {
  const { tally, signal } = context;
  for (const [repository, paths] of prunable) {
    if (!context.isDryRun) {
      try {
        await pruneWorktrees(repository, signal);
      } catch (error) {
        for (const path of paths) tally.fail('worktree-registration', `${path} (in ${repository})`, error);
        continue;
      }
    }
    const left = context.isDryRun ? new Set<string>() : new Set(await listPrunableWorktrees(repository, join(dataDir, 'worktrees'), signal));
    for (const path of paths) {
      if (left.has(path)) tally.fail('worktree-registration', `${path} (in ${repository})`, new Error('git worktree prune left it registered'));
      else tally.remove('worktree-registration', `${path} (in ${repository})`);
    }
  }
}
