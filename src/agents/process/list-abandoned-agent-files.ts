import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOwnCgroupDir, readCgroupPids } from './agent-cgroup.js';
import { hostMark, ownerFolder } from './agent-scratch-dir.js';
import { hasProcFileSystem, isProcessRunning, readProcessTable } from './proc-stat.js';

// The names `agent-scratch-dir.ts` and `agent-cgroup.ts` give their per-process folders; their sweeps
// remove what these list, and `ensemble cleanup --dry-run` shows it without removing anything.
const SCRATCH_FOLDER_PATTERN = /^ensemble-agents-([0-9a-f]{8})-(\d+)-(\d+|t\d+)$/;
const LEGACY_SCRATCH_PREFIX = 'ensemble-inputs-';
const LEGACY_SCRATCH_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const CGROUP_OWNER_PATTERN = /^ensemble-(\d+)-(\d+)$/;
const RUN_TAG = 'ENSEMBLE_RUN_ID=';

/**
 * The scratch folders `sweepAbandonedScratchDirs` would remove now: this user's folders of ensemble
 * processes on this host that are no longer running, and owner-less folders of older versions
 * after a day. Removes nothing.
 */
export function listAbandonedScratchDirs(tmpDir: string = tmpdir()): string[] {
  let entries: string[];
  try {
    entries = readdirSync(tmpDir);
  } catch {
    return [];
  }
  const own = ownerFolder(tmpDir);
  const ownUid = process.getuid?.();
  const abandoned: string[] = [];
  for (const entry of entries) {
    const match = SCRATCH_FOLDER_PATTERN.exec(entry);
    const isLegacy = entry.startsWith(LEGACY_SCRATCH_PREFIX);
    if ((match === null || match[1] !== hostMark()) && !isLegacy) continue;
    const path = join(tmpDir, entry);
    if (path === own) continue;
    try {
      const stat = lstatSync(path);
      if (!stat.isDirectory() || (ownUid !== undefined && stat.uid !== ownUid)) continue;
      if (isLegacy ? Date.now() - stat.mtimeMs < LEGACY_SCRATCH_MAX_AGE_MS : isScratchOwnerRunning(match![2]!, match![3]!)) continue;
      abandoned.push(path);
    } catch {
      // Gone meanwhile.
    }
  }
  return abandoned;
}

/** A cgroup folder (`ensemble-<pid>-<start>`) of an ensemble process that is no longer running. */
export interface AbandonedCgroup {
  readonly path: string;
  /** Processes still in it or in one of its agent cgroups: `sweepAbandonedCgroups` leaves it until they are gone. */
  readonly isPopulated: boolean;
}

/** The cgroups of dead ensemble processes below this process's own cgroup; removes nothing. Empty without cgroup v2. */
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
    const match = CGROUP_OWNER_PATTERN.exec(entry);
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

function isScratchOwnerRunning(pidText: string, startMark: string): boolean {
  // Without /proc the start time cannot be checked: a live pid is taken for the owner, as the sweep does.
  return isProcessRunning(Number(pidText), startMark.startsWith('t') ? undefined : Number(startMark));
}

/** A process on this host tagged as an agent of a run (`ENSEMBLE_RUN_ID` in its environment). */
export interface TaggedAgentProcess {
  readonly pid: number;
  readonly pgid: number;
}

/**
 * Processes of this host whose environment names them agents of a run, by run id: what
 * `killRunAgentProcesses` would find (their untagged descendants aside). Empty without /proc.
 */
export function listTaggedAgentProcesses(): Map<string, TaggedAgentProcess[]> {
  const tagged = new Map<string, TaggedAgentProcess[]>();
  if (!hasProcFileSystem()) return tagged;
  const ownLine = new Set([process.pid, process.ppid]);
  for (const entry of readProcessTable()) {
    if (entry.isZombie || ownLine.has(entry.pid)) continue;
    const runId = readRunTag(entry.pid);
    if (runId === undefined) continue;
    const list = tagged.get(runId) ?? [];
    list.push({ pid: entry.pid, pgid: entry.processGroupId });
    tagged.set(runId, list);
  }
  return tagged;
}

function readRunTag(pid: number): string | undefined {
  try {
    const line = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').find((candidate) => candidate.startsWith(RUN_TAG));
    return line === undefined || line.length === RUN_TAG.length ? undefined : line.slice(RUN_TAG.length);
  } catch {
    return undefined; // Gone, or not ours to read.
  }
}
