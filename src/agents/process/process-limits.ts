import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { EnsembleError } from '../../core/index.js';

/** Which limit an agent crossed, as in `details.limit` of `AGENT_LIMIT_EXCEEDED`. */
export type ProcessLimitKind = 'memory' | 'cpu' | 'wallTime' | 'output';

/** A crossed limit, in the limit's unit: MB (memory), s (cpu), ms (wallTime), bytes (output). */
export interface LimitBreach {
  readonly limit: ProcessLimitKind;
  /** The limit. */
  readonly value: number;
  /** What was used when it was noticed. */
  readonly used: number;
}

/** Resource use of one process group, from /proc. */
export interface ProcessGroupUsage {
  /** Resident memory of all its processes, in bytes. */
  readonly rssBytes: number;
  /** CPU time (user + system, including reaped children) of all its processes, in seconds. */
  readonly cpuSeconds: number;
  readonly processCount: number;
}

/** Fields of /proc/PID/stat that limits need. */
export interface ProcStat {
  readonly processGroupId: number;
  /** utime + stime + cutime + cstime, in clock ticks. */
  readonly cpuTicks: number;
  readonly rssPages: number;
}

/** Options of {@link watchProcessLimits}. */
export interface ProcessLimitWatchOptions {
  /** The child's pid; it leads its own process group (spawned detached). */
  readonly processGroupId: number;
  /** Resident memory cap of the group, in MB (MiB). */
  readonly memoryMb?: number;
  /** CPU time cap of the group, in seconds. */
  readonly cpuSeconds?: number;
  /** Sampling period, in ms. @default 150 */
  readonly intervalMs?: number;
  /** Called once, with the first limit crossed; sampling then stops. */
  readonly onExceeded: (breach: LimitBreach) => void;
}

/** Stops a watch. */
export interface ProcessLimitWatch {
  stop(): void;
}

// USER_HZ: the unit of /proc times, 100 on every Linux architecture Node supports.
const CLOCK_TICKS_PER_SECOND = 100;
const BYTES_PER_MB = 1024 * 1024;
// A scan reads every process's stat (~25 µs each): on a crowded machine the period stretches so scans stay under 5% of the event loop.
const MAX_SCAN_SHARE = 0.05;
const PROC_SELF_STAT = '/proc/self/stat';

interface Watcher {
  readonly options: ProcessLimitWatchOptions;
  readonly intervalMs: number;
}

const watchers = new Set<Watcher>();
let samplerTimer: NodeJS.Timeout | undefined;
let samplerIntervalMs = Number.POSITIVE_INFINITY;
let isUnsupportedWarned = false;
let cachedPageSizeBytes: number | undefined;

/**
 * Watches the memory and CPU time of a process group and reports the first limit it crosses.
 * One sampler serves every watch: each tick reads /proc/PID/stat of every process once and sums
 * the watched groups, so processes that left the agent's process tree but not its group count.
 * The period is the shortest asked for, stretched when scans are slow (many processes).
 * Without /proc (not Linux) it warns once and watches nothing.
 */
export function watchProcessLimits(options: ProcessLimitWatchOptions): ProcessLimitWatch {
  if (options.memoryMb === undefined && options.cpuSeconds === undefined) return { stop: () => {} };
  if (!existsSync(PROC_SELF_STAT)) {
    if (!isUnsupportedWarned) {
      isUnsupportedWarned = true;
      process.emitWarning(`ensemble: agent memory and CPU limits are not enforced on ${process.platform} (no /proc); wall time and output limits are`);
    }
    return { stop: () => {} };
  }
  const watcher: Watcher = { options, intervalMs: Math.max(10, options.intervalMs ?? 150) };
  watchers.add(watcher);
  if (watcher.intervalMs < samplerIntervalMs) {
    samplerIntervalMs = watcher.intervalMs;
    scheduleSample(samplerIntervalMs);
  }
  return { stop: () => removeWatcher(watcher) };
}

function removeWatcher(watcher: Watcher): void {
  watchers.delete(watcher);
  if (watchers.size === 0) {
    clearTimeout(samplerTimer);
    samplerTimer = undefined;
    samplerIntervalMs = Number.POSITIVE_INFINITY;
  }
}

function scheduleSample(delayMs: number): void {
  clearTimeout(samplerTimer);
  samplerTimer = setTimeout(sampleWatchedGroups, delayMs);
  // Watches end with their processes; the sampler alone must not keep Node alive.
  samplerTimer.unref();
}

function sampleWatchedGroups(): void {
  samplerTimer = undefined;
  const groups = new Set([...watchers].map((watcher) => watcher.options.processGroupId));
  const scanStartedAt = performance.now();
  const usage = readProcessGroupUsage(groups);
  const scanMs = performance.now() - scanStartedAt;
  for (const watcher of [...watchers]) {
    const groupUsage = usage.get(watcher.options.processGroupId);
    if (groupUsage === undefined) continue;
    const breach = findBreach(watcher.options, groupUsage);
    if (breach === undefined) continue;
    removeWatcher(watcher);
    watcher.options.onExceeded(breach);
  }
  if (watchers.size > 0 && samplerTimer === undefined) scheduleSample(Math.max(samplerIntervalMs, scanMs / MAX_SCAN_SHARE));
}

/** The first limit `usage` crosses, memory before CPU. */
export function findBreach(limits: { readonly memoryMb?: number; readonly cpuSeconds?: number }, usage: ProcessGroupUsage): LimitBreach | undefined {
  const usedMb = usage.rssBytes / BYTES_PER_MB;
  if (limits.memoryMb !== undefined && usedMb > limits.memoryMb) return { limit: 'memory', value: limits.memoryMb, used: usedMb };
  if (limits.cpuSeconds !== undefined && usage.cpuSeconds > limits.cpuSeconds) return { limit: 'cpu', value: limits.cpuSeconds, used: usage.cpuSeconds };
  return undefined;
}

/** Sums the resource use of the processes of each group in `processGroupIds` (groups with no process are absent). */
export function readProcessGroupUsage(processGroupIds: ReadonlySet<number>): Map<number, ProcessGroupUsage> {
  const totals = new Map<number, { rssPages: number; cpuTicks: number; processCount: number }>();
  if (processGroupIds.size === 0) return new Map();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return new Map();
  }
  for (const entry of entries) {
    const first = entry.charCodeAt(0);
    if (first < 48 || first > 57) continue;
    let text: string;
    try {
      text = readFileSync(`/proc/${entry}/stat`, 'latin1');
    } catch {
      continue; // Gone since the listing.
    }
    const stat = parseProcStat(text);
    if (stat === undefined || !processGroupIds.has(stat.processGroupId)) continue;
    const total = totals.get(stat.processGroupId) ?? { rssPages: 0, cpuTicks: 0, processCount: 0 };
    total.rssPages += stat.rssPages;
    total.cpuTicks += stat.cpuTicks;
    total.processCount++;
    totals.set(stat.processGroupId, total);
  }
  const pageSizeBytes = pageSize();
  return new Map(
    [...totals].map(([groupId, total]) => [
      groupId,
      { rssBytes: total.rssPages * pageSizeBytes, cpuSeconds: total.cpuTicks / CLOCK_TICKS_PER_SECOND, processCount: total.processCount },
    ]),
  );
}

/** Reads the fields limits need from a /proc/PID/stat line (see proc(5)). */
export function parseProcStat(text: string): ProcStat | undefined {
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
  const nameEnd = text.lastIndexOf(')');
  if (nameEnd < 0) return undefined;
  // fields[0] is field 3 (state), so field N is fields[N - 3].
  const fields = text.slice(nameEnd + 2).split(' ');
  const field = (number: number): number => Number(fields[number - 3]);
  const processGroupId = field(5);
  const cpuTicks = field(14) + field(15) + field(16) + field(17);
  const rssPages = field(24);
  if (!Number.isInteger(processGroupId) || !Number.isFinite(cpuTicks) || !Number.isFinite(rssPages)) return undefined;
  return { processGroupId, cpuTicks, rssPages: Math.max(0, rssPages) };
}

/** The kernel page size: /proc counts RSS in pages, and Node does not expose the page size, so it is measured once. */
function pageSize(): number {
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

/** The error of an attempt stopped by a limit: `agent "x" exceeded its memory limit of 256 MB (used 301 MB)`. */
export function toLimitExceededError(agentName: string, breach: LimitBreach): EnsembleError {
  const [what, amounts] = describeBreach(breach);
  return new EnsembleError('AGENT_LIMIT_EXCEEDED', `agent "${agentName}" exceeded its ${what} limit of ${amounts}; its processes were killed`, {
    retryable: false,
    details: { agentName, limit: breach.limit, value: breach.value, used: breach.used, unit: UNITS[breach.limit] },
  });
}

const UNITS: Readonly<Record<ProcessLimitKind, string>> = { memory: 'MB', cpu: 's', wallTime: 'ms', output: 'bytes' };

function describeBreach(breach: LimitBreach): readonly [string, string] {
  const unit = UNITS[breach.limit];
  switch (breach.limit) {
    case 'memory':
      return ['memory', `${breach.value} ${unit} (used ${Math.round(breach.used)} ${unit})`];
    case 'cpu':
      return ['CPU time', `${breach.value} ${unit} (used ${breach.used.toFixed(1)} ${unit})`];
    case 'wallTime':
      return ['wall time', `${breach.value} ${unit} (used ${Math.round(breach.used)} ${unit})`];
    case 'output':
      return ['output', `${breach.value} ${unit} (used ${breach.used} ${unit})`];
  }
}
