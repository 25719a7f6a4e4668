import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { killCgroup, readCgroupPids } from './agent-cgroup.js';
import { hasProcFileSystem, readProcessTable } from './proc-stat.js';

/** What `agent:process {state: 'started'}` recorded about an agent's processes. */
export interface AgentProcessRecord {
  readonly pid: number;
  readonly pgid: number;
  readonly host: string;
  /** /proc/PID/stat field 22 of the agent's program. */
  readonly startTicks?: number | undefined;
  /** The agent's cgroup folder, when it had one. */
  readonly cgroup?: string | undefined;
}

/**
 * Whether the leftover was found running here and killed (`killed`), had ended already (`gone`),
 * or ran on another machine and cannot be reached from here (`other-host`).
 */
export type LeftoverKill = 'killed' | 'gone' | 'other-host';

/**
 * Kills, synchronously, what is left of an agent whose orchestrator died (`kill -9`), from its
 * journaled `agent:process` record: every process of its cgroup, or, without one, every process of
 * its process group and session, and their descendants, that started no earlier than it (a reused
 * pid or group id is older).
 * Without a start time (no /proc) nothing can be told apart from a reused id, and nothing is killed.
 */
export function killLeftoverAgentProcesses(record: AgentProcessRecord): LeftoverKill {
  if (record.host !== hostname()) return 'other-host';
  if (record.cgroup !== undefined && existsSync(record.cgroup)) {
    const cgroup = { path: record.cgroup };
    if (readCgroupPids(cgroup).length === 0) return 'gone';
    killCgroup(cgroup);
    return 'killed';
  }
  if (record.startTicks === undefined || !hasProcFileSystem()) return 'gone';
  const startTicks = record.startTicks;
  const candidates = readProcessTable().filter((entry) => !entry.isZombie && entry.startTicks >= startTicks);
  const leftovers = new Set(candidates.filter((entry) => entry.processGroupId === record.pgid || entry.sessionId === record.pgid).map((entry) => entry.pid));
  // Descendants that left the group and session (setsid) but still have a parent among them.
  for (let isGrowing = true; isGrowing; ) {
    isGrowing = false;
    for (const entry of candidates) {
      if (leftovers.has(entry.pid) || !leftovers.has(entry.parentPid)) continue;
      leftovers.add(entry.pid);
      isGrowing = true;
    }
  }
  for (const pid of leftovers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile.
    }
  }
  return leftovers.size === 0 ? 'gone' : 'killed';
}
