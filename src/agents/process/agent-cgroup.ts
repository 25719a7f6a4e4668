import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessRunning, readProcStat } from './proc-stat.js';

/**
 * cgroup v2 folders for process agents. Each agent gets its own cgroup below the one this process
 * runs in (`<own cgroup>/ensemble-<pid>-<startTicks>/agent-<n>`); a process cannot leave a cgroup
 * by `setsid` or `setpgid`, so its membership is the agent's whole process tree, `cgroup.kill`
 * ends it at once and `cpu.stat` counts even the processes that already exited. Usable when this
 * process may create a sub-cgroup of its own and move a child into it: as root, or in a cgroup
 * delegated to the user (systemd `Delegate=yes`, a user session's scope, rootless containers).
 */
export interface AgentCgroup {
  /** The cgroup's folder in the cgroup2 file system. */
  readonly path: string;
}

const OWNER_FOLDER_PATTERN = /^ensemble-(\d+)-(\d+)$/;

let ownCgroupDir: string | null | undefined;
let ownerFolder: string | undefined;
let isUnavailable = false;
let agentCounter = 0;
let liveCgroups = 0;

/** The cgroup2 folder this process is in, or undefined (no cgroup v2, not Linux). */
export function findOwnCgroupDir(): string | undefined {
  if (ownCgroupDir !== undefined) return ownCgroupDir ?? undefined;
  ownCgroupDir = null;
  try {
    // `0::/path` is the cgroup v2 line (hybrid hosts list v1 hierarchies too).
    const line = readFileSync('/proc/self/cgroup', 'utf8')
      .split('\n')
      .find((entry) => entry.startsWith('0::'));
    if (line === undefined) return undefined;
    const cgroupPath = line.slice(3);
    for (const entry of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
      const [mountFields, fileSystem] = entry.split(' - ');
      if (fileSystem?.split(' ')[0] !== 'cgroup2') continue;
      const fields = mountFields!.split(' ');
      const root = decodeMountPath(fields[3] ?? '');
      const mountPoint = decodeMountPath(fields[4] ?? '');
      if (cgroupPath !== root && !cgroupPath.startsWith(root === '/' ? '/' : `${root}/`)) continue;
      const candidate = join(mountPoint, cgroupPath.slice(root === '/' ? 0 : root.length));
      if (existsSync(join(candidate, 'cgroup.procs'))) {
        ownCgroupDir = candidate;
        break;
      }
    }
  } catch {
    // No /proc: not Linux.
  }
  return ownCgroupDir ?? undefined;
}

/**
 * Creates a cgroup for one agent and moves `pid` (and any child it already forked) into it; undefined
 * when cgroups cannot be used here, which is then remembered for the life of the process.
 */
export function createAgentCgroup(pid: number): AgentCgroup | undefined {
  if (isUnavailable) return undefined;
  const folder = ensureOwnerFolder();
  if (folder === undefined) return undefined;
  const path = join(folder, `agent-${++agentCounter}`);
  try {
    mkdirSync(path);
  } catch {
    isUnavailable = true;
    removeOwnerFolderIfIdle();
    return undefined;
  }
  liveCgroups++;
  const cgroup = { path };
  try {
    // Moving needs write access to cgroup.procs of the common ancestor, which is where delegation shows.
    writeFileSync(join(path, 'cgroup.procs'), String(pid));
  } catch (error) {
    // A program that already exited says nothing about cgroups here; a refusal does.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ESRCH' && code !== 'EINVAL') isUnavailable = true;
    removeAgentCgroup(cgroup);
    return undefined;
  }
  // Children forked before the move (best effort: one exiting meanwhile cannot be moved, and need not be).
  for (const child of listDescendants(pid)) moveIntoCgroup(cgroup, child);
  return cgroup;
}

/** Moves a process into the cgroup; false when it could not be moved (gone, or not ours). */
export function moveIntoCgroup(cgroup: AgentCgroup, pid: number): boolean {
  try {
    writeFileSync(join(cgroup.path, 'cgroup.procs'), String(pid));
    return true;
  } catch {
    return false;
  }
}

/** The pids in the cgroup (zombies are not listed). */
export function readCgroupPids(cgroup: AgentCgroup): number[] {
  try {
    return readFileSync(join(cgroup.path, 'cgroup.procs'), 'latin1')
      .split('\n')
      .filter((line) => line !== '')
      .map(Number);
  } catch {
    return [];
  }
}

/** CPU time (user + system) of every process that ever ran in the cgroup, in seconds. */
export function readCgroupCpuSeconds(cgroup: AgentCgroup): number | undefined {
  try {
    const match = /^usage_usec (\d+)$/m.exec(readFileSync(join(cgroup.path, 'cpu.stat'), 'latin1'));
    return match === null ? undefined : Number(match[1]) / 1_000_000;
  } catch {
    return undefined;
  }
}

/**
 * Memory charged to the cgroup minus the page cache (`memory.current` − `file` of `memory.stat`),
 * so reading big files does not count as the agent's memory; undefined without the memory controller.
 */
export function readCgroupMemoryBytes(cgroup: AgentCgroup): number | undefined {
  try {
    const current = Number(readFileSync(join(cgroup.path, 'memory.current'), 'latin1').trim());
    const file = /^file (\d+)$/m.exec(readFileSync(join(cgroup.path, 'memory.stat'), 'latin1'));
    if (!Number.isFinite(current)) return undefined;
    return Math.max(0, current - (file === null ? 0 : Number(file[1])));
  } catch {
    return undefined;
  }
}

/** SIGKILLs every process of the cgroup, synchronously: `cgroup.kill` (Linux 5.14+), else freeze and kill one by one. */
export function killCgroup(cgroup: AgentCgroup): void {
  try {
    writeFileSync(join(cgroup.path, 'cgroup.kill'), '1');
    return;
  } catch {
    // Older kernel: frozen processes cannot fork between the listing and the kill.
  }
  try {
    writeFileSync(join(cgroup.path, 'cgroup.freeze'), '1');
  } catch {
    // Kill without freezing.
  }
  for (const pid of readCgroupPids(cgroup)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
}

/** Removes the cgroup once it is empty (an rmdir of a populated cgroup fails, and is retried by the next sweep). */
export function removeAgentCgroup(cgroup: AgentCgroup): void {
  try {
    rmdirSync(cgroup.path);
  } catch {
    // Still populated, or gone.
  }
  liveCgroups = Math.max(0, liveCgroups - 1);
  removeOwnerFolderIfIdle();
}

/**
 * Removes the empty cgroups left by ensemble processes that died (`kill -9`). Populated ones are
 * left alone: their processes belong to a crashed run, which `resume` ends or waits for.
 */
export function sweepAbandonedCgroups(): void {
  for (const { path } of listAbandonedCgroups()) {
    try {
      for (const child of readdirSync(path, { withFileTypes: true })) {
        if (child.isDirectory()) rmdirSync(join(path, child.name));
      }
      rmdirSync(path);
    } catch {
      // Populated, or not ours.
    }
  }
}

/** A cgroup folder (`ensemble-<pid>-<start>`) of an ensemble process that is no longer running. */
export interface AbandonedCgroup {
  readonly path: string;
  /** Processes still in it or in one of its agent cgroups: `sweepAbandonedCgroups` leaves it until they are gone. */
  readonly isPopulated: boolean;
}

/** The cgroups of dead ensemble processes below this process's own cgroup (what the sweep removes once empty); removes nothing. Empty without cgroup v2. */
export function listAbandonedCgroups(): AbandonedCgroup[] {
  const own = findOwnCgroupDir();
  if (own === undefined) return [];
  let entries: string[];
  try {
    entries = readdirSync(own);
  } catch {
    return [];
  }
  const abandoned: AbandonedCgroup[] = [];
  for (const entry of entries) {
    const match = OWNER_FOLDER_PATTERN.exec(entry);
    if (match === null || isProcessRunning(Number(match[1]), Number(match[2]))) continue;
    const path = join(own, entry);
    if (!existsSync(path)) continue;
    abandoned.push({ path, isPopulated: isCgroupPopulated(path) });
  }
  return abandoned;
}

function isCgroupPopulated(path: string): boolean {
  if (readCgroupPids({ path }).length > 0) return true;
  try {
    return readdirSync(path, { withFileTypes: true }).some((child) => child.isDirectory() && readCgroupPids({ path: join(path, child.name) }).length > 0);
  } catch {
    return false;
  }
}

function ensureOwnerFolder(): string | undefined {
  if (ownerFolder !== undefined && existsSync(ownerFolder)) return ownerFolder;
  const own = findOwnCgroupDir();
  const self = readProcStat(process.pid);
  if (own === undefined || self === undefined) {
    isUnavailable = true;
    return undefined;
  }
  const folder = join(own, `ensemble-${process.pid}-${self.startTicks}`);
  try {
    mkdirSync(folder, { recursive: true });
  } catch {
    isUnavailable = true;
    return undefined;
  }
  ownerFolder = folder;
  return folder;
}

function removeOwnerFolderIfIdle(): void {
  if (liveCgroups > 0 || ownerFolder === undefined) return;
  try {
    rmdirSync(ownerFolder);
  } catch {
    // A cgroup left populated keeps it.
  }
  ownerFolder = undefined;
}

/** Children (recursively) a process has already forked, from /proc/PID/task/TID/children. */
function listDescendants(pid: number): number[] {
  const found: number[] = [];
  const pending = [pid];
  while (pending.length > 0 && found.length < 10_000) {
    const parent = pending.pop()!;
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${parent}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      let children: string;
      try {
        children = readFileSync(`/proc/${parent}/task/${task}/children`, 'latin1');
      } catch {
        continue; // A kernel without CONFIG_PROC_CHILDREN; the process group covers early children.
      }
      for (const child of children.split(' ').filter((text) => text !== '').map(Number)) {
        found.push(child);
        pending.push(child);
      }
    }
  }
  return found;
}

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function decodeMountPath(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_match, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
