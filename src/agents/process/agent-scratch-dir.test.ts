import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAttemptDir, hostMark, ownerFolder, removeAttemptDir, sweepAbandonedScratchDirs } from './agent-scratch-dir.js';
import { hasProcFileSystem, readProcStat } from './proc-stat.js';

let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ensemble-scratch-test-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

/** A folder as an ensemble process killed with `kill -9` leaves it: owner pid and start, a prompt inside. */
function abandonedFolder(name: string): string {
  const folder = join(root, name);
  mkdirSync(join(folder, 'attempt-x'), { recursive: true });
  writeFileSync(join(folder, 'attempt-x', 'prompt.txt'), 'a secret prompt');
  return folder;
}

describe('agent scratch folders', () => {
  it('creates attempt folders (0700) in a folder named after this process, and removes both when the last attempt ends', () => {
    const first = createAttemptDir();
    const second = createAttemptDir();
    expect(first.startsWith(`${ownerFolder()}/attempt-`)).toBe(true);
    expect(statSync(first).mode & 0o777).toBe(0o700);
    expect(statSync(ownerFolder()).mode & 0o777).toBe(0o700);
    writeFileSync(join(first, 'inputs.json'), '[]', { mode: 0o600 });
    removeAttemptDir(first);
    expect(existsSync(first)).toBe(false);
    expect(existsSync(second)).toBe(true);
    removeAttemptDir(second);
    expect(existsSync(ownerFolder())).toBe(false);
  });

  it('never puts an attempt (prompts, outputs) in a folder of that name it does not own alone: a symlink, or one another user planted', () => {
    // The name is predictable (host, pid, start time): another user of a shared /tmp can create it first.
    const decoy = mkdtempSync(join(root, 'decoy-'));
    symlinkSync(decoy, ownerFolder());
    try {
      const attempt = createAttemptDir();
      expect(attempt.startsWith(ownerFolder())).toBe(false);
      expect(readdirSync(decoy)).toEqual([]);
      expect(statSync(attempt).mode & 0o777).toBe(0o700);
      removeAttemptDir(attempt);
      expect(existsSync(attempt)).toBe(false);
    } finally {
      rmSync(ownerFolder(), { force: true });
    }
    if (process.getuid?.() !== 0) return;
    mkdirSync(ownerFolder(), { mode: 0o777 });
    chownSync(ownerFolder(), 65534, 65534);
    try {
      const attempt = createAttemptDir();
      expect(attempt.startsWith(ownerFolder())).toBe(false);
      expect(readdirSync(ownerFolder())).toEqual([]);
      removeAttemptDir(attempt);
    } finally {
      rmSync(ownerFolder(), { recursive: true, force: true });
    }
  });

  it.skipIf(!hasProcFileSystem())('regression #6: sweeps folders whose owner died (or whose pid was reused), and keeps those of live owners', () => {
    const ended = spawnSync(process.execPath, ['-e', "process.stdout.write(require('fs').readFileSync('/proc/self/stat', 'latin1'))"], { encoding: 'utf8' });
    const [endedPid, , , , , , , , , , , , , , , , , , , , , endedStart] = ended.stdout.replace(/\(.*\)/, 'x').split(' ');
    const self = readProcStat(process.pid)!;
    const host = hostMark();
    const dead = abandonedFolder(`ensemble-agents-${host}-${endedPid}-${endedStart}`);
    const reused = abandonedFolder(`ensemble-agents-${host}-${process.pid}-${self.startTicks - 1}`);
    const live = abandonedFolder(`ensemble-agents-${host}-${process.pid}-${self.startTicks}`);
    const parent = abandonedFolder(`ensemble-agents-${host}-${process.ppid}-${readProcStat(process.ppid)!.startTicks}`);
    // Another host's pids mean nothing here (a temp folder shared between containers).
    const otherHost = abandonedFolder(`ensemble-agents-${host === '00000000' ? '11111111' : '00000000'}-${endedPid}-${endedStart}`);
    const unrelated = abandonedFolder('ensemble-agents-notes');
    const removed = sweepAbandonedScratchDirs(root);
    expect(removed.sort()).toEqual([dead, reused].sort());
    for (const folder of [dead, reused]) expect(existsSync(folder)).toBe(false);
    for (const folder of [live, parent, otherHost, unrelated]) expect(existsSync(folder)).toBe(true);
  });

  it('sweeps owner-less folders of older versions once they are a day old', () => {
    const old = abandonedFolder('ensemble-inputs-abc123');
    const recent = abandonedFolder('ensemble-inputs-def456');
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
    utimesSync(old, twoDaysAgo, twoDaysAgo);
    expect(sweepAbandonedScratchDirs(root)).toEqual([old]);
    expect(readdirSync(root)).toContain('ensemble-inputs-def456');
    expect(existsSync(recent)).toBe(true);
  });
});
