import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { isProcessRunning, readProcStat } from './proc-stat.js';

/**
 * Scratch folders of process agents (their inputs, prompt and git snapshot index), which hold
 * prompts and outputs and so must not outlive the attempt. They live in one folder per ensemble
 * process, `<tmp>/ensemble-agents-<host>-<pid>-<start>` (mode 0700), whose name says who owns it:
 * a later process on the same host removes the folders whose owner is dead, so a `kill -9` leaks
 * them only until then. The host part (a hash of the host name) keeps containers that share a
 * temp folder but not their pids from judging each other's processes.
 */
const OWNER_FOLDER_PREFIX = 'ensemble-agents-';
const OWNER_FOLDER_PATTERN = /^ensemble-agents-([0-9a-f]{8})-(\d+)-(\d+|t\d+)$/;
// Folders of versions before the per-process folder carry no owner: removed once surely abandoned.
const LEGACY_FOLDER_PREFIX = 'ensemble-inputs-';
const LEGACY_FOLDER_MAX_AGE_MS = 24 * 60 * 60 * 1000;

let openAttempts = 0;
let cachedStartMark: string | undefined;
let cachedHostMark: string | undefined;

/** Creates an attempt's scratch folder (mode 0700); remove it with {@link removeAttemptDir}. */
export function createAttemptDir(): string {
  openAttempts++;
  try {
    const owner = ownerFolder();
    try {
      mkdirSync(owner, { recursive: true, mode: 0o700 });
    } catch {
      // A dangling symlink by that name, say: judged just below.
    }
    // The name is predictable: another user of a shared temp folder may have made it first (or a symlink by
    // that name). Then the attempt gets a private folder of its own, swept like an older version's.
    if (!isPrivateFolder(owner)) return mkdtempSync(join(tmpdir(), LEGACY_FOLDER_PREFIX));
    return mkdtempSync(join(owner, 'attempt-'));
  } catch (error) {
    openAttempts--;
    throw error;
  }
}

/** Removes an attempt's scratch folder, and the process's folder once no attempt is open. */
export function removeAttemptDir(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } finally {
    openAttempts--;
    // Synchronous, so no attempt can be created between the count and the removal.
    if (openAttempts === 0) {
      try {
        rmdirSync(ownerFolder());
      } catch {
        // Not empty (an attempt of another runtime instance), or gone.
      }
    }
  }
}

/**
 * The scratch folders of ensemble processes on this host that are no longer running (killed before
 * they could clean up), and owner-less folders of older versions after a day: what
 * {@link sweepAbandonedScratchDirs} removes, and what `ensemble cleanup --dry-run` lists. Only this
 * user's folders. Removes nothing.
 */
export function listAbandonedScratchDirs(tmpDir: string = tmpdir()): string[] {
  let entries: string[];
  try {
    entries = readdirSync(tmpDir);
  } catch {
    return [];
  }
  const abandoned: string[] = [];
  const ownUid = process.getuid?.();
  for (const entry of entries) {
    const match = OWNER_FOLDER_PATTERN.exec(entry);
    const isLegacy = entry.startsWith(LEGACY_FOLDER_PREFIX);
    if ((match === null || match[1] !== hostMark()) && !isLegacy) continue;
    const path = join(tmpDir, entry);
    try {
      const stat = lstatSync(path);
      if (!stat.isDirectory() || (ownUid !== undefined && stat.uid !== ownUid)) continue;
      if (isLegacy ? Date.now() - stat.mtimeMs < LEGACY_FOLDER_MAX_AGE_MS : isOwnerRunning(match![2]!, match![3]!)) continue;
      abandoned.push(path);
    } catch {
      // Gone meanwhile.
    }
  }
  return abandoned;
}

/**
 * Removes the folders {@link listAbandonedScratchDirs} finds.
 * @returns the folders removed.
 */
export function sweepAbandonedScratchDirs(tmpDir: string = tmpdir()): string[] {
  const removed: string[] = [];
  for (const path of listAbandonedScratchDirs(tmpDir)) {
    try {
      rmSync(path, { recursive: true, force: true });
      removed.push(path);
    } catch {
      // Not removable: not ours to fight over.
    }
  }
  return removed;
}

/** A real folder (not a symlink) of this user that nobody else may write into. */
function isPrivateFolder(path: string): boolean {
  try {
    const stat = lstatSync(path);
    const ownUid = process.getuid?.();
    // Without POSIX owners (Windows) the temp folder is the user's own.
    return stat.isDirectory() && (ownUid === undefined || (stat.uid === ownUid && (stat.mode & 0o022) === 0));
  } catch {
    return false;
  }
}

/** This process's folder: its host, pid and start time (clock ticks since boot; `t<epoch ms>` without /proc). */
export function ownerFolder(tmpDir: string = tmpdir()): string {
  return join(tmpDir, `${OWNER_FOLDER_PREFIX}${hostMark()}-${process.pid}-${processStartMark()}`);
}

/** The first 8 hex digits of the SHA-256 of the host name. */
export function hostMark(): string {
  cachedHostMark ??= createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
  return cachedHostMark;
}

function processStartMark(): string {
  if (cachedStartMark !== undefined) return cachedStartMark;
  const self = readProcStat(process.pid);
  cachedStartMark = self === undefined ? `t${Math.round(performance.timeOrigin)}` : String(self.startTicks);
  return cachedStartMark;
}

function isOwnerRunning(pidText: string, startMark: string): boolean {
  const pid = Number(pidText);
  if (pid === process.pid) return startMark === processStartMark();
  // Without /proc the start time cannot be checked: a live pid is assumed to be the owner.
  return isProcessRunning(pid, startMark.startsWith('t') ? undefined : Number(startMark));
}
