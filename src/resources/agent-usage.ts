import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLOCK_TICKS_PER_SECOND, readProcessTable, type ProcStat } from '../agents/index.js';
import { readCgroupCpuSeconds, readCgroupMemoryBytes } from '../agents/index.js';

/** A process group of a process agent, as its `agent:process` event journaled it. */
export interface AgentProcessGroupRef {
  /** The agent's first process, leader of its group. */
  readonly pid: number;
  readonly pgid: number;
  /** Start of `pid` in clock ticks since boot: a process with this pid and another start is not the agent. */
  readonly startTicks?: number;
  /** The agent's cgroup folder, when one was made for it. */
  readonly cgroup?: string;
}

/** What one agent's processes use, read at one moment. */
export interface AgentUsageReading {
  /**
   * CPU time (user + system) of the agent's processes, including the children they already reaped,
   * in seconds; with a cgroup, of every process that ever ran in it. Undefined without /proc.
   */
  readonly cpuSeconds: number | undefined;
  /** Resident memory of its processes (their VmRSS summed), or the cgroup's memory less page cache, in bytes. Undefined without /proc. */
  readonly rssBytes: number | undefined;
  /** Processes found alive in its tree (or cgroup); 1 without /proc (only the leader can be asked). */
  readonly processCount: number;
  /** Where the figures come from: `unmeasured` where there is no /proc (macOS), and only the leader's life is known. */
  readonly source: 'cgroup' | 'process-tree' | 'unmeasured';
}

/** A reading with the CPU rate since the meter's previous reading of the same agent. */
export interface AgentUsage extends AgentUsageReading {
  /**
   * CPU use since the previous reading, in % of one core (200 = two cores busy); undefined on the
   * first reading of the agent.
   */
  readonly cpuPercent: number | undefined;
}

/** One row of the process table (/proc/PID/stat). */
export type ProcessEntry = Pick<ProcStat, 'pid' | 'parentPid' | 'processGroupId' | 'startTicks' | 'cpuTicks' | 'isZombie'>;

/** A bound on the tree walk, far above any real agent, so a fork bomb cannot stall a reading. */
const MAX_TREE_PROCESSES = 10_000;
const BYTES_PER_KIB = 1024;

/**
 * Reads what each agent's processes use now, in the order of `groups`: undefined for an agent that
 * is gone (no process of its group left) or whose pid now names another process (its start differs).
 * The agent's processes are its group plus every descendant of it, even one that moved to a group
 * or session of its own; with a readable cgroup, the cgroup's own counters are used instead. Reads
 * the process table once (one /proc/PID/stat per process); without /proc (not Linux) every agent
 * reads as undefined.
 */
export function readAgentUsage(groups: readonly AgentProcessGroupRef[], table: readonly ProcessEntry[] = readProcessTable()): (AgentUsageReading | undefined)[] {
  // On Linux the table holds at least this process: an empty one means there is no /proc to read.
  if (table.length === 0) return groups.map((group) => (isPidAlive(group.pid) ? { cpuSeconds: undefined, rssBytes: undefined, processCount: 1, source: 'unmeasured' } : undefined));
  const byPid = new Map<number, ProcessEntry>();
  const children = new Map<number, ProcessEntry[]>();
  const byGroup = new Map<number, ProcessEntry[]>();
  for (const entry of table) {
    byPid.set(entry.pid, entry);
    pushTo(children, entry.parentPid, entry);
    pushTo(byGroup, entry.processGroupId, entry);
  }
  return groups.map((group) => {
    const leader = byPid.get(group.pid);
    // While any process keeps a group id, the kernel does not hand that number out as a pid, so a leader
    // with another start time means the whole group is gone and the pid was reused.
    if (leader !== undefined && group.startTicks !== undefined && leader.startTicks !== group.startTicks) return undefined;
    const members = byGroup.get(group.pgid) ?? [];
    const tree = collectTree(leader === undefined ? members : [leader, ...members], children);
    const fromCgroup = group.cgroup === undefined ? undefined : readCgroupUsage(group.cgroup);
    const living = tree.filter((entry) => !entry.isZombie);
    if (fromCgroup !== undefined && (fromCgroup.processCount > 0 || living.length > 0)) {
      return { ...fromCgroup, rssBytes: fromCgroup.rssBytes ?? sumRssBytes(living) };
    }
    if (living.length === 0) return undefined;
    const cpuTicks = tree.reduce((sum, entry) => sum + entry.cpuTicks, 0);
    return { cpuSeconds: cpuTicks / CLOCK_TICKS_PER_SECOND, rssBytes: sumRssBytes(living), processCount: living.length, source: 'process-tree' };
  });
}

/**
 * Reads agents' usage again and again, turning the growth of their CPU time into a rate: the live
 * monitor keeps one between frames, `/metrics` one between scrapes. It remembers only the agents
 * of its latest reading, so finished agents are forgotten.
 */
export class AgentUsageMeter {
  private previous = new Map<string, { readonly cpuSeconds: number; readonly atMs: number }>();

  /** Usage of each group now (undefined for a gone or reused one), with CPU % since this meter last read it. */
  measure(groups: readonly AgentProcessGroupRef[], atMs: number, table?: readonly ProcessEntry[]): (AgentUsage | undefined)[] {
    const readings = readAgentUsage(groups, table);
    const next = new Map<string, { readonly cpuSeconds: number; readonly atMs: number }>();
    const usages = readings.map((reading, index) => {
      if (reading === undefined) return undefined;
      if (reading.cpuSeconds === undefined) return { ...reading, cpuPercent: undefined };
      const { cpuSeconds } = reading;
      const key = keyOf(groups[index]!);
      const before = this.previous.get(key);
      next.set(key, { cpuSeconds, atMs });
      const elapsedSeconds = before === undefined ? 0 : (atMs - before.atMs) / 1000;
      // A process that exited with nobody in the tree to reap it takes its CPU time along: the sum may drop, a rate may not.
      const cpuPercent = before === undefined || elapsedSeconds <= 0 ? undefined : Math.max(0, (100 * (cpuSeconds - before.cpuSeconds)) / elapsedSeconds);
      return { ...reading, cpuPercent: cpuPercent === undefined ? undefined : Math.round(cpuPercent * 10) / 10 };
    });
    this.previous = next;
    return usages;
  }
}

/**
 * A cgroup v2 folder's CPU time (`usage_usec` of cpu.stat), memory less page cache (`memory.current`
 * − `file` of memory.stat; undefined without the memory controller) and live processes; undefined
 * when the folder or its cpu.stat cannot be read (the agent ended and its cgroup was removed).
 */
export function readCgroupUsage(folder: string): { readonly cpuSeconds: number; readonly rssBytes: number | undefined; readonly processCount: number; readonly source: 'cgroup' } | undefined {
  const cgroup = { path: folder };
  const cpuSeconds = readCgroupCpuSeconds(cgroup);
  if (cpuSeconds === undefined) return undefined;
  const processCount = (readText(join(folder, 'cgroup.procs')) ?? '').split('\n').filter((line) => line !== '').length;
  return { cpuSeconds, rssBytes: readCgroupMemoryBytes(cgroup), processCount, source: 'cgroup' };
}

/** The group's processes and all their descendants, each once. */
function collectTree(members: readonly ProcessEntry[], children: ReadonlyMap<number, readonly ProcessEntry[]>): ProcessEntry[] {
  const seen = new Set<number>();
  const tree: ProcessEntry[] = [];
  const pending = [...members];
  while (pending.length > 0 && tree.length < MAX_TREE_PROCESSES) {
    const entry = pending.pop()!;
    if (seen.has(entry.pid)) continue;
    seen.add(entry.pid);
    tree.push(entry);
    pending.push(...(children.get(entry.pid) ?? []));
  }
  return tree;
}

/** VmRSS of each process (a kernel thread or a process gone meanwhile counts 0), in bytes. */
function sumRssBytes(entries: readonly ProcessEntry[]): number {
  let total = 0;
  for (const entry of entries) {
    const kib = /^VmRSS:\s+(\d+) kB$/m.exec(readText(`/proc/${entry.pid}/status`) ?? '');
    if (kib !== null) total += Number(kib[1]) * BYTES_PER_KIB;
  }
  return total;
}

/** Whether `pid` exists (EPERM: it does, and belongs to someone else). */
function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function keyOf(group: AgentProcessGroupRef): string {
  return `${group.pid}:${group.pgid}:${group.startTicks ?? ''}:${group.cgroup ?? ''}`;
}

function pushTo(map: Map<number, ProcessEntry[]>, key: number, entry: ProcessEntry): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [entry]);
  else list.push(entry);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'latin1');
  } catch {
    return undefined;
  }
}
