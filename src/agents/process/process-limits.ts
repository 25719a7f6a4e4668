import { EnsembleError } from '../../core/index.js';
import type { AgentProcessTree, ProcessTreeUsage } from './agent-process-tree.js';
import { hasProcFileSystem, readProcessTable } from './proc-stat.js';

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

/** Options of {@link watchProcessTree}. */
export interface ProcessTreeWatchOptions {
  readonly tree: AgentProcessTree;
  /** Resident memory cap of the tree, in MB (MiB). */
  readonly memoryMb?: number;
  /** CPU time cap of the tree, in seconds. */
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

const BYTES_PER_MB = 1024 * 1024;
// A scan reads every process's stat (~25 µs each): on a crowded machine the period stretches so scans stay under 5% of the event loop.
const MAX_SCAN_SHARE = 0.05;
// However crowded the machine, limits are checked at least this often, in ms.
const MAX_INTERVAL_MS = 2000;

interface Watcher {
  readonly options: ProcessTreeWatchOptions;
  readonly intervalMs: number;
  readonly hasLimits: boolean;
}

// Orphans (reparented to init before a scan saw them) are found by their environment tag, which costs a read per new process: every 10th scan.
const DEEP_SCAN_EVERY = 10;

const watchers = new Set<Watcher>();
let sampleCount = 0;
let samplerTimer: NodeJS.Timeout | undefined;
let samplerIntervalMs = Number.POSITIVE_INFINITY;
let isUnsupportedWarned = false;

/**
 * Keeps an agent's process tree up to date and reports the first limit its memory or CPU time
 * crosses. One sampler serves every watch: with `proc` tracking each tick reads /proc/PID/stat of
 * every process once, which is how children are followed before they are orphaned; with `cgroup`
 * tracking it reads the cgroup's files. The period is the shortest asked for, stretched when scans
 * are slow (many processes). Without /proc (not Linux) it warns once if limits are set and watches nothing.
 */
export function watchProcessTree(options: ProcessTreeWatchOptions): ProcessLimitWatch {
  const hasLimits = options.memoryMb !== undefined || options.cpuSeconds !== undefined;
  if (options.tree.tracking === 'group') {
    if (hasLimits && !hasProcFileSystem() && !isUnsupportedWarned) {
      isUnsupportedWarned = true;
      process.emitWarning(`ensemble: agent memory and CPU limits are not enforced on ${process.platform} (no /proc); wall time and output limits are`);
    }
    return { stop: () => {} };
  }
  if (!hasLimits && !options.tree.needsProcessTable) return { stop: () => {} };
  const watcher: Watcher = { options, intervalMs: Math.max(10, options.intervalMs ?? 150), hasLimits };
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
    return;
  }
  // The period is the shortest still asked for: a fast watch that ended must not keep every scan fast.
  if (watcher.intervalMs === samplerIntervalMs) samplerIntervalMs = Math.min(...[...watchers].map((other) => other.intervalMs));
}

function scheduleSample(delayMs: number): void {
  clearTimeout(samplerTimer);
  samplerTimer = setTimeout(sampleWatchedTrees, delayMs);
  // Watches end with their processes; the sampler alone must not keep Node alive.
  samplerTimer.unref();
}

function sampleWatchedTrees(): void {
  samplerTimer = undefined;
  const scanStartedAt = performance.now();
  const table = [...watchers].some((watcher) => watcher.options.tree.needsProcessTable) ? readProcessTable() : [];
  const isDeep = ++sampleCount % DEEP_SCAN_EVERY === 0;
  const breaches: [Watcher, LimitBreach][] = [];
  for (const watcher of [...watchers]) {
    const { tree } = watcher.options;
    tree.refresh(table, isDeep);
    if (!watcher.hasLimits) continue;
    const breach = findBreach(watcher.options, tree.usage());
    if (breach !== undefined) breaches.push([watcher, breach]);
  }
  // Timed without the callbacks: killing a tree is not scanning, and must not stretch the period.
  const scanMs = performance.now() - scanStartedAt;
  for (const [watcher, breach] of breaches) {
    if (!watchers.has(watcher)) continue; // Stopped by an earlier callback.
    removeWatcher(watcher);
    watcher.options.onExceeded(breach);
  }
  if (watchers.size > 0 && samplerTimer === undefined) {
    scheduleSample(Math.min(MAX_INTERVAL_MS, Math.max(samplerIntervalMs, scanMs / MAX_SCAN_SHARE)));
  }
}

/** The first limit `usage` crosses, memory before CPU. */
export function findBreach(limits: { readonly memoryMb?: number; readonly cpuSeconds?: number }, usage: ProcessTreeUsage): LimitBreach | undefined {
  const usedMb = usage.rssBytes / BYTES_PER_MB;
  if (limits.memoryMb !== undefined && usedMb > limits.memoryMb) return { limit: 'memory', value: limits.memoryMb, used: usedMb };
  if (limits.cpuSeconds !== undefined && usage.cpuSeconds > limits.cpuSeconds) return { limit: 'cpu', value: limits.cpuSeconds, used: usage.cpuSeconds };
  return undefined;
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
