import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchWorkspaceChanges } from './bash-change-watch.js';

let root: string;
const signal = new AbortController().signal;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });
}

beforeEach(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'ensemble-change-watch-')));
  git(root, 'init', '-q');
  mkdirSync(join(root, 'app', 'src'), { recursive: true });
  writeFileSync(join(root, 'app', 'src', 'clean.ts'), 'clean\n');
  writeFileSync(join(root, 'app', 'run.sh'), '#!/bin/sh\n');
  chmodSync(join(root, 'app', 'run.sh'), 0o755);
  writeFileSync(join(root, 'app', 'dirty.ts'), 'committed\n');
  writeFileSync(join(root, 'outside.ts'), 'outside\n');
  git(root, 'add', '-A');
  git(root, 'commit', '-qm', 'start');
  writeFileSync(join(root, 'app', 'dirty.ts'), 'dirty before\n');
  writeFileSync(join(root, 'app', 'untracked-before.ts'), 'untracked before\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('watchWorkspaceChanges', () => {
  it('is undefined outside a git work tree', async () => {
    const plain = realpathSync(mkdtempSync(join(tmpdir(), 'ensemble-change-watch-plain-')));
    try {
      expect(await watchWorkspaceChanges(plain, signal)).toBeUndefined();
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });

  it('finds what changed under the workspace (a sub-folder of the repository) and puts each kind back', async () => {
    const workspace = join(root, 'app');
    const watch = await watchWorkspaceChanges(workspace, signal);
    expect(watch).toBeDefined();
    writeFileSync(join(workspace, 'src', 'clean.ts'), 'changed\n');
    rmSync(join(workspace, 'run.sh'));
    writeFileSync(join(workspace, 'dirty.ts'), 'dirty after\n');
    writeFileSync(join(workspace, 'src', 'new.ts'), 'new\n');
    rmSync(join(workspace, 'untracked-before.ts'));
    writeFileSync(join(root, 'outside.ts'), 'not watched\n');
    const changed = await watch!.changedPaths(signal);
    expect(changed).toEqual(['dirty.ts', 'run.sh', 'src/clean.ts', 'src/new.ts', 'untracked-before.ts']);
    const result = await watch!.restore(changed, signal);
    expect(result).toEqual({ restored: changed, failed: [] });
    expect(readFileSync(join(workspace, 'src', 'clean.ts'), 'utf8')).toBe('clean\n');
    expect(readFileSync(join(workspace, 'run.sh'), 'utf8')).toBe('#!/bin/sh\n');
    expect(statSync(join(workspace, 'run.sh')).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(workspace, 'dirty.ts'), 'utf8')).toBe('dirty before\n');
    expect(readFileSync(join(workspace, 'untracked-before.ts'), 'utf8')).toBe('untracked before\n');
    expect(existsSync(join(workspace, 'src', 'new.ts'))).toBe(false);
    expect(await watch!.changedPaths(signal)).toEqual([]);
  });

  it('does not count a dirty file left as it was, and unstages a file the command staged', async () => {
    const watch = await watchWorkspaceChanges(root, signal);
    writeFileSync(join(root, 'outside.ts'), 'staged by the command\n');
    git(root, 'add', 'outside.ts');
    expect(await watch!.changedPaths(signal)).toEqual(['outside.ts']);
    await watch!.restore(['outside.ts'], signal);
    expect(readFileSync(join(root, 'outside.ts'), 'utf8')).toBe('outside\n');
    expect(git(root, 'status', '--porcelain', '--', 'outside.ts')).toBe('');
  });
});
