import { readdirSync, readFileSync } from 'node:fs';

/** One process, as /proc/PID/stat describes it (see proc(5)). */
export interface ProcStat {
  readonly pid: number;
  readonly parentPid: number;
  readonly processGroupId: number;
  readonly sessionId: number;
  /** Start time in clock ticks since boot (field 22): with the pid, it names one process even after the pid is reused. */
  readonly startTicks: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  readonly cpuTicks: number;
  readonly rssPages: number;
  /** Exited but not yet reaped: it holds no memory and runs nothing. */
  readonly isZombie: boolean;
}

// USER_HZ: the unit of /proc times, 100 on every Linux architecture Node supports.
export const CLOCK_TICKS_PER_SECOND = 100;

let cachedPageSizeBytes: number | undefined;
let cachedHasProc: boolean | undefined;

/** Reads a /proc/PID/stat line. */
export function parseProcStat(text: string): ProcStat | undefined {
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
  const nameEnd = text.lastIndexOf(')');
  const pid = Number(text.slice(0, text.indexOf(' ')));
  if (nameEnd < 0 || !Number.isInteger(pid)) return undefined;
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  const fields = text.slice(nameEnd + 2).split(' ');
  const field = (number: number): number => Number(fields[number - 3]);
  const stat: ProcStat = {
    pid,
    parentPid: field(4),
    processGroupId: field(5),
    sessionId: field(6),
    startTicks: field(22),
    cpuTicks: field(14) + field(15) + field(16) + field(17),
    rssPages: Math.max(0, field(24)),
    isZombie: fields[0] === 'Z' || fields[0] === 'X',
  };
  const isComplete = [stat.parentPid, stat.processGroupId, stat.sessionId, stat.startTicks].every(Number.isInteger) && Number.isFinite(stat.cpuTicks + stat.rssPages);
  return isComplete ? stat : undefined;
}

/** The process `pid`, or undefined when there is none (or no /proc). */
export function readProcStat(pid: number): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'latin1'));
  } catch {
    return undefined;
  }
}

/** Whether the process `pid` that started at `startTicks` still runs (a zombie does not). Without /proc, whether the pid exists. */
export function isProcessRunning(pid: number, startTicks: number | undefined): boolean {
  if (startTicks === undefined || !hasProcFileSystem()) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  const stat = readProcStat(pid);
  return stat !== undefined && stat.startTicks === startTicks && !stat.isZombie;
}

/** Every process on the machine (one read of /proc/PID/stat each, ~25 µs apiece). */
export function readProcessTable(): ProcStat[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const table: ProcStat[] = [];
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    const stat = readProcStat(Number(entry));
    if (stat !== undefined) table.push(stat);
  }
  return table;
}

/** Whether the environment of `pid` (as it was at exec) holds the line `entry` (`NAME=value`). */
export function hasEnvironmentEntry(pid: number, entry: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(entry);
  } catch {
    return false; // Gone, or not ours to read.
  }
}

/** Whether this machine has a Linux /proc. */
export function hasProcFileSystem(): boolean {
  cachedHasProc ??= readProcStat(process.pid) !== undefined;
  return cachedHasProc;
}

/** The kernel page size: /proc counts RSS in pages, and Node does not expose the page size, so it is measured once. */
export function pageSizeBytes(): number {
  if (cachedPageSizeBytes !== undefined) return cachedPageSizeBytes;
  cachedPageSizeBytes = 4096;
  try {
    const rssPages = Number(readFileSync('/proc/self/statm', 'latin1').split(' ')[1]);
    const ratio = process.memoryUsage.rss() / rssPages;
    // Page sizes are 4, 16 or 64 KiB; the ratio is close to one of them.
    const nearest = [4096, 16384, 65536].reduce((best, size) => (Math.abs(Math.log2(ratio / size)) < Math.abs(Math.log2(ratio / best)) ? size : best));
    if (Number.isFinite(ratio)) cachedPageSizeBytes = nearest;
  } catch {
    // Keep 4 KiB, the page size of x86-64 and most arm64 kernels.
  }
  return cachedPageSizeBytes;
}
