import { readFileSync } from 'node:fs';

/**
 * When process `pid` started, in clock ticks since boot: field 22 of Linux's `/proc/<pid>/stat`.
 * Two processes that got the same pid at different times differ here, so a recorded (pid, start)
 * pair names one process for good. Undefined where there is no /proc (macOS, Windows) or the
 * process is gone.
 */
export function readProcessStartTicks(pid: number): number | undefined {
  const stat = readProcessStat(pid);
  if (stat === undefined) return undefined;
  // Fields after the command name, which is in parentheses and may itself hold spaces or ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so field 22 is fields[19].
  const ticks = Number(fields[19]);
  return Number.isSafeInteger(ticks) ? ticks : undefined;
}

/** Whether `pid` is a zombie: it has stopped running and waits to be reaped (its parent died, and pid 1 may never reap it). */
export function isZombieProcess(pid: number): boolean {
  const stat = readProcessStat(pid);
  return stat !== undefined && stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
}

/** The process group of `pid` (field 5 of `/proc/<pid>/stat`), or undefined without /proc or when it is gone. */
export function readProcessGroup(pid: number): number | undefined {
  const stat = readProcessStat(pid);
  if (stat === undefined) return undefined;
  const pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
  return Number.isSafeInteger(pgid) ? pgid : undefined;
}

function readProcessStat(pid: number): string | undefined {
  if (process.platform !== 'linux' || !Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
}
