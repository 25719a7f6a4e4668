import { execFileSync } from 'node:child_process';
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Runs git in `cwd` with a fixed identity (the user's configuration is neither needed nor touched) and returns its trimmed stdout. */
export function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=test', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Writes `files` (relative path → content) under `folder`, making folders as needed. */
export function writeFiles(folder: string, files: Readonly<Record<string, string>>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, path)), { recursive: true });
    writeFileSync(join(folder, path), content);
  }
}

/** Writes `files` in `cwd` and commits them (and anything else changed) with `message`; returns the sha. */
export function commitFiles(cwd: string, files: Readonly<Record<string, string>>, message: string): string {
  writeFiles(cwd, files);
  gitIn(cwd, 'add', '--all');
  gitIn(cwd, 'commit', '-qm', message);
  return gitIn(cwd, 'rev-parse', 'HEAD');
}

/**
 * Makes `folder` a git repository on branch `main` whose first commit holds `files`, with no identity
 * configured (as on a CI runner), and returns its real path.
 */
export function makeTicketRepository(folder: string, files: Readonly<Record<string, string>>): string {
  mkdirSync(folder, { recursive: true });
  gitIn(folder, 'init', '-q', '-b', 'main');
  commitFiles(folder, files, 'initial');
  return realpathSync(folder);
}
