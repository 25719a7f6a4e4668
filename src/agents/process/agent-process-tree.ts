import { createAgentCgroup, killCgroup, moveIntoCgroup, readCgroupCpuSeconds, readCgroupMemoryBytes, readCgroupPids, removeAgentCgroup } from './agent-cgroup.js';
import type { AgentCgroup } from './agent-cgroup.js';
import { CLOCK_TICKS_PER_SECOND, hasEnvironmentEntry, hasProcFileSystem, pageSizeBytes, readProcessTable, readProcStat } from './proc-stat.js';
import type { ProcStat } from './proc-stat.js';

/**
 * How an agent's processes are found: `cgroup` (its own cgroup v2), `proc` (its process group,
 * its session, its descendants by parent pid and processes carrying its environment tag, from
 * /proc), or `group` (its process group only: no /proc, not Linux).
 */
export type ProcessTracking = 'cgroup' | 'proc' | 'group';

/** Which tracking to use: `auto` takes a cgroup when one can be created, else /proc; `proc` never creates a cgroup. */
export type ProcessTrackingPreference = 'auto' | 'proc';

/** Resource use of an agent's processes. */
export interface ProcessTreeUsage {
  /** Resident memory of its live processes (cgroup: charged memory without page cache), in bytes. */
  readonly rssBytes: number;
  /** CPU time (user + system) of its processes, in seconds. */
  readonly cpuSeconds: number;
  readonly processCount: number;
}

// Each round stops what it finds; a tree that forks faster than it is stopped still ends after these rounds.
const MAX_KILL_ROUNDS = 10;
// A child forked while the agent was being moved into its cgroup stays outside it; the first scans adopt it.
const CGROUP_ADOPTION_SCANS = 3;

/**
 * The processes of one running agent: the program ensemble spawned (leader of its own session and
 * process group) and everything it started, including children that left the group or session
 * (`setsid`, GNU `timeout`) or were orphaned. Sends signals to all of them and sums their use.
 */
export class AgentProcessTree {
  readonly tracking: ProcessTracking;
  readonly leaderStartTicks: number | undefined;
  private readonly cgroup: AgentCgroup | undefined;
  /** pid → start ticks of the processes found by /proc scans. */
  private members = new Map<number, number>();
  private latest: readonly ProcStat[] = [];
  private adoptionScansLeft = CGROUP_ADOPTION_SCANS;

  /**
   * @param leaderPid the spawned program's pid (its process group and session id).
   * @param tag `NAME=value`, an entry of the program's environment that its descendants inherit: it finds orphans.
   */
  constructor(
    readonly leaderPid: number,
    private readonly tag: string,
    preference: ProcessTrackingPreference,
  ) {
    const leader = readProcStat(leaderPid);
    this.leaderStartTicks = leader?.startTicks;
    this.cgroup = preference === 'proc' || leader === undefined ? undefined : createAgentCgroup(leaderPid);
    this.tracking = this.cgroup !== undefined ? 'cgroup' : leader !== undefined ? 'proc' : 'group';
    if (leader !== undefined) this.members.set(leaderPid, leader.startTicks);
  }

  /** The cgroup folder, when the tree has one. */
  get cgroupPath(): string | undefined {
    return this.cgroup?.path;
  }

  /** Whether the next {@link refresh} needs a process table: always with `proc` tracking, in the first scans with `cgroup`. */
  get needsProcessTable(): boolean {
    return this.tracking === 'proc' || (this.tracking === 'cgroup' && this.adoptionScansLeft > 0);
  }

  /**
   * Updates the members from a process table: the members still running, the processes of the
   * leader's group and session, their descendants by parent pid, and, when `isDeep`, processes
   * started since the leader that carry its environment tag (orphans). With a cgroup, members found
   * outside it are moved in.
   */
  refresh(table: readonly ProcStat[], isDeep = false): void {
    if (this.leaderStartTicks === undefined || table.length === 0) return;
    if (this.tracking === 'cgroup' && !isDeep) {
      if (this.adoptionScansLeft === 0) return;
      this.adoptionScansLeft--;
    }
    const leaderStart = this.leaderStartTicks;
    const live = new Map<number, ProcStat>();
    const children = new Map<number, ProcStat[]>();
    for (const entry of table) {
      if (entry.isZombie) continue;
      const siblings = children.get(entry.parentPid);
      if (siblings === undefined) children.set(entry.parentPid, [entry]);
      else siblings.push(entry);
      // Nothing in the agent's session or tree can predate the agent: older matches are a reused id.
      if (entry.startTicks < leaderStart) continue;
      const isKnown = this.members.get(entry.pid) === entry.startTicks;
      const isInSession = entry.processGroupId === this.leaderPid || entry.sessionId === this.leaderPid;
      if (isKnown || isInSession || (isDeep && hasEnvironmentEntry(entry.pid, this.tag))) live.set(entry.pid, entry);
    }
    const pending = [...live.values()];
    while (pending.length > 0) {
      for (const child of children.get(pending.pop()!.pid) ?? []) {
        if (live.has(child.pid) || child.startTicks < leaderStart) continue;
        live.set(child.pid, child);
        pending.push(child);
      }
    }
    this.members = new Map([...live.values()].map((entry) => [entry.pid, entry.startTicks]));
    this.latest = [...live.values()];
    if (this.cgroup !== undefined) adoptIntoCgroup(this.cgroup, this.members.keys());
  }

  /** Current use; `proc` tracking reports the table of the last {@link refresh}. */
  usage(): ProcessTreeUsage {
    if (this.cgroup !== undefined) {
      const pids = readCgroupPids(this.cgroup);
      const memory = readCgroupMemoryBytes(this.cgroup) ?? sumRssBytes(pids.map((pid) => readProcStat(pid)));
      return { rssBytes: memory, cpuSeconds: readCgroupCpuSeconds(this.cgroup) ?? 0, processCount: pids.length };
    }
    const cpuTicks = this.latest.reduce((total, entry) => total + entry.cpuTicks, 0);
    return { rssBytes: sumRssBytes(this.latest), cpuSeconds: cpuTicks / CLOCK_TICKS_PER_SECOND, processCount: this.latest.length };
  }

  /** Sends `signal` to every process of the tree (used for SIGTERM; {@link kill} is the sure way). */
  signal(signal: NodeJS.Signals): void {
    sendToGroup(this.leaderPid, signal);
    if (this.tracking === 'group') return;
    this.refresh(readProcessTable(), true);
    const pids = this.cgroup === undefined ? [...this.members.keys()] : readCgroupPids(this.cgroup);
    for (const pid of pids) sendTo(pid, signal);
  }

  /** SIGKILLs every process of the tree, synchronously. */
  kill(): void {
    sendToGroup(this.leaderPid, 'SIGKILL');
    if (this.tracking === 'group') return;
    if (this.cgroup !== undefined) {
      // Adopted first: once in the cgroup nothing can fork out of reach of cgroup.kill.
      this.refresh(readProcessTable(), true);
      killCgroup(this.cgroup);
      return;
    }
    // Stopped processes cannot fork: stop until a scan finds nothing new, then kill them all.
    const stopped = new Map<number, number>();
    for (let round = 0; round < MAX_KILL_ROUNDS; round++) {
      this.refresh(readProcessTable(), round === 0);
      const fresh = [...this.members].filter(([pid, ticks]) => stopped.get(pid) !== ticks);
      if (fresh.length === 0) break;
      for (const [pid, ticks] of fresh) {
        sendTo(pid, 'SIGSTOP');
        stopped.set(pid, ticks);
      }
    }
    for (const [pid, ticks] of stopped) {
      if (readProcStat(pid)?.startTicks === ticks) sendTo(pid, 'SIGKILL');
    }
  }

  /**
   * Whether every process of the tree has ended (zombies count as ended). Once the known ones are
   * gone, a full scan confirms, so a child forked or orphaned since the last scan is not missed.
   */
  isGone(): boolean {
    if (this.tracking === 'group') return !isGroupAlive(this.leaderPid);
    if (this.cgroup !== undefined && hasRunningProcess(readCgroupPids(this.cgroup))) return false;
    const isAnyKnownAlive = [...this.members].some(([pid, ticks]) => {
      const stat = readProcStat(pid);
      return stat !== undefined && stat.startTicks === ticks && !stat.isZombie;
    });
    if (isAnyKnownAlive) return false;
    this.refresh(readProcessTable(), true);
    return this.members.size === 0 && (this.cgroup === undefined || !hasRunningProcess(readCgroupPids(this.cgroup)));
  }

  /** Releases the cgroup; call once the tree is gone. */
  close(): void {
    if (this.cgroup !== undefined) removeAgentCgroup(this.cgroup);
  }
}

/** Whether any of `pids` runs: an exiting process stays listed in its cgroup until its last thread is gone and it is reaped. */
function hasRunningProcess(pids: readonly number[]): boolean {
  return pids.some((pid) => readProcStat(pid)?.isZombie === false);
}

function adoptIntoCgroup(cgroup: AgentCgroup, pids: Iterable<number>): void {
  const inside = new Set(readCgroupPids(cgroup));
  for (const pid of pids) if (!inside.has(pid)) moveIntoCgroup(cgroup, pid);
}

function sumRssBytes(entries: readonly (ProcStat | undefined)[]): number {
  let pages = 0;
  for (const entry of entries) if (entry !== undefined && !entry.isZombie) pages += entry.rssPages;
  return pages * pageSizeBytes();
}

function sendTo(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: gone already.
  }
}

function sendToGroup(processGroupId: number, signal: NodeJS.Signals): void {
  sendTo(-processGroupId, signal);
}

/** Whether a process of the group exists; without /proc a zombie leader counts as alive until reaped. */
function isGroupAlive(processGroupId: number): boolean {
  try {
    process.kill(-processGroupId, 0);
  } catch {
    return false;
  }
  if (!hasProcFileSystem()) return true;
  // kill(-pgid, 0) also succeeds for zombies nobody reaps (some container inits): look closer.
  return readProcessTable().some((entry) => entry.processGroupId === processGroupId && !entry.isZombie);
}
