import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { Stats } from 'node:fs';
import { chmod, lstat, mkdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Bytes of dirty files' content kept in memory to put back (the rest can only be reported). */
export const MAX_SAVED_CONTENT_BYTES = 8 * 1024 * 1024;
/** Longest git call of a watch, in ms. */
const GIT_TIMEOUT_MS = 30_000;
/** Bytes of git output read (a status of a huge untracked tree, a large blob). */
const MAX_GIT_OUTPUT_BYTES = 256 * 1024 * 1024;

/** What a path looked like when the watch began. */
interface Before {
  /** `missing`, `link:<target>`, `file:<sha1>` or `other`. */
  readonly fingerprint: string;
  readonly content?: Buffer;
  readonly mode?: number;
  readonly linkTarget?: string;
}

/** A path put back, or why it could not be. */
export interface RestoreResult {
  readonly restored: readonly string[];
  readonly failed: readonly { readonly path: string; readonly reason: string }[];
}

/** The workspace's changes since {@link watchWorkspaceChanges} began, and a way to undo some. */
export interface WorkspaceChangeWatch {
  /** Workspace-relative paths (`/` separators) whose content, kind or existence differs from the start, sorted. */
  changedPaths(signal: AbortSignal): Promise<readonly string[]>;
  /**
   * Puts `paths` back as they were at the start: a dirty file's saved content (up to
   * {@link MAX_SAVED_CONTENT_BYTES} in all), a clean tracked file's committed content, and a new
   * untracked file deleted. The index is left alone, except that a path the command staged is unstaged.
   */
  restore(paths: readonly string[], signal: AbortSignal): Promise<RestoreResult>;
}

/**
 * Starts watching what a command changes in a git work tree: the dirty paths under the workspace
 * (`git status --porcelain=v1 -z --untracked-files=all --no-renames`) with a hash of each, the
 * dirty files' content kept to put back; clean tracked files need nothing (git has them), ignored
 * files are not watched. Resolves undefined when the workspace is not in a git work tree (or git is
 * missing). Only reads the repository: the user's index and objects are not written.
 */
export async function watchWorkspaceChanges(workspaceDir: string, signal: AbortSignal): Promise<WorkspaceChangeWatch | undefined> {
  const prefixOutput = await git(['rev-parse', '--show-prefix'], workspaceDir, signal);
  if (prefixOutput === undefined || prefixOutput.exitCode !== 0) return undefined;
  // Porcelain paths are relative to the repository's top level; ours to the workspace.
  const prefix = prefixOutput.stdout.toString('utf8').trim();
  const first = await readStatus(workspaceDir, prefix, signal);
  if (first === undefined) return undefined;
  const before = new Map<string, Before>();
  let savedBytes = 0;
  for (const path of first.keys()) {
    const taken = await takeBefore(join(workspaceDir, path), MAX_SAVED_CONTENT_BYTES - savedBytes);
    savedBytes += taken.content?.length ?? 0;
    before.set(path, taken);
  }
  let after: ReadonlyMap<string, string> = new Map();
  return {
    async changedPaths(callSignal) {
      const status = await readStatus(workspaceDir, prefix, callSignal);
      if (status === undefined) return [];
      after = status;
      const changed: string[] = [];
      for (const path of new Set([...before.keys(), ...status.keys()])) {
        const was = before.get(path);
        // Clean at the start and dirty now: the command changed it.
        if (was === undefined || (await fingerprintOf(join(workspaceDir, path))) !== was.fingerprint) changed.push(path);
      }
      return changed.sort();
    },
    async restore(paths, callSignal) {
      const restored: string[] = [];
      const failed: { path: string; reason: string }[] = [];
      for (const path of paths) {
        try {
          const was = before.get(path);
          const reason = was === undefined ? await restoreClean(workspaceDir, prefix, path, after.get(path) ?? '  ', callSignal) : await restoreDirty(join(workspaceDir, path), was);
          if (reason === undefined) restored.push(path);
          else failed.push({ path, reason });
        } catch (error) {
          failed.push({ path, reason: error instanceof Error ? error.message : String(error) });
        }
      }
      return { restored, failed };
    },
  };
}

/** The dirty paths under the workspace → their two-letter status, or undefined when git fails. */
async function readStatus(workspaceDir: string, prefix: string, signal: AbortSignal): Promise<Map<string, string> | undefined> {
  const output = await git(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames', '--ignore-submodules=all', '--', '.'], workspaceDir, signal);
  if (output === undefined || output.exitCode !== 0) return undefined;
  const entries = new Map<string, string>();
  for (const record of output.stdout.toString('utf8').split('\0')) {
    if (record.length < 4) continue;
    const repoPath = record.slice(3);
    if (!repoPath.startsWith(prefix)) continue;
    entries.set(repoPath.slice(prefix.length), record.slice(0, 2));
  }
  return entries;
}

async function takeBefore(absolutePath: string, room: number): Promise<Before> {
  const facts = await lstatIfExists(absolutePath);
  if (facts === undefined) return { fingerprint: 'missing' };
  if (facts.isSymbolicLink()) {
    const linkTarget = await readlink(absolutePath);
    return { fingerprint: `link:${linkTarget}`, linkTarget };
  }
  if (!facts.isFile()) return { fingerprint: 'other' };
  if (facts.size > room) return { fingerprint: await fingerprintOf(absolutePath), mode: facts.mode };
  const content = await readFile(absolutePath);
  return { fingerprint: `file:${createHash('sha1').update(content).digest('hex')}`, content, mode: facts.mode };
}

/** What is at `absolutePath` now, comparable with {@link Before.fingerprint}. */
async function fingerprintOf(absolutePath: string): Promise<string> {
  const facts = await lstatIfExists(absolutePath);
  if (facts === undefined) return 'missing';
  if (facts.isSymbolicLink()) return `link:${await readlink(absolutePath)}`;
  if (!facts.isFile()) return 'other';
  const hash = createHash('sha1');
  // Streamed: a large file is hashed without holding it in memory.
  for await (const chunk of createReadStream(absolutePath)) hash.update(chunk as Buffer);
  return `file:${hash.digest('hex')}`;
}

/** Puts back a path that was dirty at the start; a reason when it cannot. */
async function restoreDirty(absolutePath: string, was: Before): Promise<string | undefined> {
  if (was.fingerprint === 'missing') {
    await rm(absolutePath, { force: true, recursive: true });
    return undefined;
  }
  if (was.linkTarget !== undefined) {
    await rm(absolutePath, { force: true, recursive: true });
    await mkdir(dirname(absolutePath), { recursive: true });
    await symlink(was.linkTarget, absolutePath);
    return undefined;
  }
  if (was.content === undefined) return was.fingerprint === 'other' ? 'it is not a regular file' : `its earlier content was not kept (over ${MAX_SAVED_CONTENT_BYTES / 1024 / 1024} MiB of changed files)`;
  await replaceFile(absolutePath, was.content, was.mode);
  return undefined;
}

/** Puts back a path that was clean (or absent, or ignored) at the start: committed content, or nothing for a new file. */
async function restoreClean(workspaceDir: string, prefix: string, path: string, status: string, signal: AbortSignal): Promise<string | undefined> {
  const absolutePath = join(workspaceDir, path);
  const repoPath = `${prefix}${path}`;
  // The command staged it: unstaged again (best effort: another git command may hold the index lock).
  if (status[0] !== ' ' && status[0] !== '?') await git(['reset', '-q', '--', `:(top,literal)${repoPath}`], workspaceDir, signal);
  if (status === '??') {
    await rm(absolutePath, { force: true, recursive: true });
    return undefined;
  }
  const tree = await git(['ls-tree', '-z', '--full-tree', 'HEAD', '--', repoPath], workspaceDir, signal);
  const entry = tree?.exitCode === 0 ? tree.stdout.toString('utf8').split('\0')[0] : undefined;
  if (entry === undefined || entry === '') {
    // Not committed: it did not exist before the command.
    await rm(absolutePath, { force: true, recursive: true });
    return undefined;
  }
  const [mode, type] = entry.split(/\s/);
  if (type !== 'blob') return `it is a ${type ?? 'strange entry'} in git, not a file`;
  const blob = await git(['cat-file', 'blob', `HEAD:${repoPath}`], workspaceDir, signal);
  if (blob === undefined || blob.exitCode !== 0) return 'git could not read its committed content';
  if (mode === '120000') {
    await rm(absolutePath, { force: true, recursive: true });
    await mkdir(dirname(absolutePath), { recursive: true });
    await symlink(blob.stdout.toString('utf8'), absolutePath);
    return undefined;
  }
  await replaceFile(absolutePath, blob.stdout, mode === '100755' ? 0o755 : 0o644);
  return undefined;
}

async function replaceFile(absolutePath: string, content: Buffer, mode: number | undefined): Promise<void> {
  const facts = await lstatIfExists(absolutePath);
  if (facts !== undefined && !facts.isFile()) await rm(absolutePath, { force: true, recursive: true });
  await mkdir(dirname(absolutePath), { recursive: true });
  await writeFile(absolutePath, content);
  if (mode !== undefined) await chmod(absolutePath, mode & 0o7777);
}

async function lstatIfExists(absolutePath: string): Promise<Stats | undefined> {
  try {
    return await lstat(absolutePath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw error;
  }
}

/** Runs git (argv, no shell) in `cwd`; undefined when it cannot start, times out or the signal aborts. */
function git(args: readonly string[], cwd: string, signal: AbortSignal): Promise<{ readonly exitCode: number; readonly stdout: Buffer } | undefined> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve(undefined);
      return;
    }
    const env: NodeJS.ProcessEnv = { ...process.env, GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0' };
    // Inherited from a git hook these would point git at another repository than the workspace's.
    delete env['GIT_DIR'];
    delete env['GIT_WORK_TREE'];
    delete env['GIT_INDEX_FILE'];
    execFile('git', ['-c', 'core.quotePath=false', ...args], { cwd, env, signal, timeout: GIT_TIMEOUT_MS, encoding: 'buffer', maxBuffer: MAX_GIT_OUTPUT_BYTES }, (error, stdout) => {
      if (error === null) resolve({ exitCode: 0, stdout });
      else if (typeof error.code === 'number') resolve({ exitCode: error.code, stdout });
      else resolve(undefined);
    });
  });
}
