import { setTimeout as sleep } from 'node:timers/promises';
import { EnsembleError, type ReapedProcessGroup, type RunState } from '../core/index.js';
import { killLeftoverAgentProcesses } from '../agents/index.js';
import { terminateProcessGroup } from '../host/index.js';
import { throwIfAborted } from './throw-if-aborted.js';

/** A process group an earlier execution of the run journaled as started and never as exited. */
export type OrphanGroup = ReapedProcessGroup;

/** Groups of the run that started (`agent:process`) and were never seen to exit: live, or orphaned by a crash. */
export function findOrphanGroups(state: RunState): OrphanGroup[] {
  const groups: OrphanGroup[] = [];
  for (const task of state.tasks.values()) {
    for (const { startedAt: _startedAt, ...group } of task.processes) groups.push({ taskId: task.taskId, ...group });
  }
  return groups;
}

/**
 * Kills the leftover groups on this host (SIGTERM, then SIGKILL after `graceMs`) and resolves once
 * they are gone, so a task never runs twice at once (issue 6: after kill -9 the orphaned agent and
 * its re-run edited one tree together). A group whose pgid now names another process is left alone.
 * Processes that left the group (`setsid`) are killed through the agent's cgroup, session or
 * parentage, as the process runtime knows them.
 */
export async function killLocalOrphans(groups: readonly OrphanGroup[], options: { readonly graceMs: number }): Promise<void> {
  await Promise.all(
    groups.map(async (group) => {
      const killEscaped = (): void => void killLeftoverAgentProcesses(group);
      const result = await terminateProcessGroup(group, { graceMs: options.graceMs, beforeKill: killEscaped });
      // The group may have ended on SIGTERM while something it started in a session of its own lives on.
      if (result !== 'not-ours') killEscaped();
    }),
  );
}

const REMOTE_POLL_MS = 500;

/**
 * Waits, up to `waitMs`, until each group on another host is journaled as exited (its owner may be
 * slow rather than dead), re-reading the run's groups with `readOrphans`.
 * @throws EnsembleError `RUN_NOT_RESUMABLE` naming the task, group and host when one is still open;
 *   `RUN_CANCELLED` when `signal` aborts the wait.
 */
export async function waitForRemoteOrphans(
  readOrphans: () => readonly OrphanGroup[],
  options: { readonly host: string; readonly waitMs: number; readonly signal?: AbortSignal },
): Promise<void> {
  const remote = (): OrphanGroup[] => readOrphans().filter((group) => group.host !== options.host);
  let open = remote();
  for (let waitedMs = 0; open.length > 0 && waitedMs < options.waitMs; waitedMs += REMOTE_POLL_MS) {
    try {
      await sleep(Math.min(REMOTE_POLL_MS, options.waitMs - waitedMs), undefined, options.signal === undefined ? undefined : { signal: options.signal });
    } catch (error) {
      // An abort is the caller cancelling before the run started, not a failure of the wait.
      throwIfAborted(options.signal);
      throw error;
    }
    open = remote();
  }
  const first = open[0];
  if (first === undefined) return;
  const others = open.length > 1 ? ` (and ${open.length - 1} more)` : '';
  throw new EnsembleError(
    'RUN_NOT_RESUMABLE',
    `task "${first.taskId}" may still be running: its process group ${first.pgid} on host ${first.host}${others} was started by an earlier ` +
      `execution and has not exited after ${Math.round(options.waitMs / 1000)} s. Resume the run on ${first.host}, where the group can be ` +
      'killed; if that host is gone for good, resume with --ignore-remote-agents',
    { details: { taskId: first.taskId, pgid: first.pgid, host: first.host, groups: open } },
  );
}
