import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnsembleError } from '../core/index.js';
import { isZombieProcess, readProcessGroup, readProcessStartTicks } from './process-start-ticks.js';

/** A process group as journaled when a process agent started (`agent:process`). */
export interface RecordedProcessGroup {
  /** The leader's pid. */
  readonly pid: number;
  readonly pgid: number;
  /** The leader's start time in clock ticks since boot (Linux), to tell a reused pid apart. */
  readonly startTicks?: number;
}

export interface TerminateProcessGroupOptions {
  /** Time between SIGTERM and SIGKILL, in ms. @default 2000 */
  readonly graceMs?: number;
  /** How long to wait for the group to be gone after SIGKILL, in ms. @default 10000 */
  readonly waitMs?: number;
  readonly signal?: AbortSignal;
  /** Called once the grace is over, right before SIGKILL (to kill what left the group as well). */
  readonly beforeKill?: () => void;
}

/** What became of a leftover group: it was killed, it was already gone, or its pgid now names another group (not killed). */
export type TerminationResult = 'killed' | 'gone' | 'not-ours';

const POLL_MS = 25;

/**
 * Kills a process group left behind by a crashed run (same host) and resolves once it is gone.
 * Only the recorded group is killed: if its leader is alive but started at another time, the
 * pgid was reused and nothing is signalled. A leader that is gone while members live still names
 * the same group (the kernel does not hand out a pid that is a live group's id).
 * @throws EnsembleError `INTERNAL` when the group survives SIGKILL past `waitMs`.
 */
export async function terminateProcessGroup(group: RecordedProcessGroup, options: TerminateProcessGroupOptions = {}): Promise<TerminationResult> {
  if (!isProcessGroupAlive(group.pgid)) return 'gone';
  if (!isRecordedLeader(group)) return 'not-ours';
  signalGroup(group.pgid, 'SIGTERM');
  if (await waitUntilGone(group.pgid, options.graceMs ?? 2_000, options.signal)) return 'killed';
  options.beforeKill?.();
  signalGroup(group.pgid, 'SIGKILL');
  if (await waitUntilGone(group.pgid, options.waitMs ?? 10_000, options.signal)) return 'killed';
  throw new EnsembleError('INTERNAL', `process group ${group.pgid} is still alive after SIGKILL`, { details: { ...group } });
}

/** Whether any process of group `pgid` still runs (zombies, which have stopped, do not count). */
export function isProcessGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const members = process.platform === 'linux' ? listGroupMembers(pgid) : undefined;
  return members === undefined || members.some((pid) => !isZombieProcess(pid));
}

/** Whether the group's recorded leader, if it still runs, is the process that started then. */
function isRecordedLeader(group: RecordedProcessGroup): boolean {
  if (group.startTicks === undefined) return true;
  const ticks = readProcessStartTicks(group.pid);
  if (ticks === undefined || isZombieProcess(group.pid)) return true;
  return ticks === group.startTicks && readProcessGroup(group.pid) === group.pgid;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Gone meanwhile.
  }
}

async function waitUntilGone(pgid: number, timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
  for (let waitedMs = 0; waitedMs < timeoutMs; waitedMs += POLL_MS) {
    if (!isProcessGroupAlive(pgid)) return true;
    await sleep(POLL_MS, undefined, signal === undefined ? undefined : { signal });
  }
  return !isProcessGroupAlive(pgid);
}

/** Pids whose process group is `pgid`, read from /proc; undefined when /proc cannot be read. */
function listGroupMembers(pgid: number): number[] | undefined {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const members: number[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (Number.isSafeInteger(pid) && pid > 0 && readProcessGroup(pid) === pgid) members.push(pid);
  }
  return members;
}
