import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTempFolder } from '../../test/helpers/temp-folder.js';
import { makeGitRepository } from '../../test/helpers/git-repository.js';
import { readWorkspaceState, type WorkspaceState } from './read-workspace-state.js';

let folder: string;
beforeEach(() => {
  const temp = createTempFolder('ensemble-cache-state-');
  folder = realpathSync(temp.folder);
  return temp.remove;
});

const signal = new AbortController().signal;
const git = (cwd: string, ...args: string[]): string => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf8' });

async function stateOf(workspace: string, options: { excludePaths?: string[]; maxFiles?: number } = {}): Promise<string> {
  const state: WorkspaceState = await readWorkspaceState(workspace, { signal, ...options });
  if (!state.ok) throw new Error(state.reason);
  return `${state.kind}:${state.id}`;
}

describe('readWorkspaceState in a git work tree', () => {
  it('is the tree with every change: committed, uncommitted, untracked; not ignored files; never writing the index', async () => {
    const repo = makeGitRepository(join(folder, 'repo'), { 'src/app.ts': 'export {};\n', '.gitignore': 'build/\n' });
    const indexBefore = readFileSync(join(repo, '.git', 'index'));
    const first = await stateOf(repo);
    expect(first).toMatch(/^git:[0-9a-f]{40}$/);
    // The tree of HEAD, since nothing changed.
    expect(first).toBe(`git:${git(repo, 'rev-parse', 'HEAD^{tree}').trim()}`);
    expect(await stateOf(repo)).toBe(first);

    mkdirSync(join(repo, 'build'));
    writeFileSync(join(repo, 'build', 'out.js'), 'ignored');
    expect(await stateOf(repo)).toBe(first);

    writeFileSync(join(repo, 'src', 'app.ts'), 'export const changed = 1;\n');
    const uncommitted = await stateOf(repo);
    expect(uncommitted).not.toBe(first);

    writeFileSync(join(repo, 'notes.md'), 'untracked');
    const untracked = await stateOf(repo);
    expect(new Set([first, uncommitted, untracked]).size).toBe(3);
    // Neither the index nor HEAD moved.
    expect(readFileSync(join(repo, '.git', 'index')).equals(indexBefore)).toBe(true);
    expect(git(repo, 'status', '--porcelain')).toContain('?? notes.md');

    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'change');
    // Committing changes nothing the agent can see: the same tree.
    expect(await stateOf(repo)).toBe(untracked);
    writeFileSync(join(repo, 'notes.md'), 'committed, then changed');
    expect(await stateOf(repo)).not.toBe(untracked);
  });

  it('sees a same-size edit made in the same second as the commit, read a second later (racy git: the index copy keeps its time)', async () => {
    // git compares whole seconds here; a copy of the index dated now made such an edit look clean.
    let checked = 0;
    for (let round = 0; round < 5 && checked < 2; round++) {
      const repo = makeGitRepository(join(folder, `racy-${round}`), { 'a.txt': 'value 1\n' });
      const before = await stateOf(repo);
      writeFileSync(join(repo, 'a.txt'), 'value 2\n');
      const second = (path: string): number => Math.floor(statSync(path).mtimeMs / 1000);
      // Only an edit in the index's own second shows the race (a loaded machine may cross a second).
      if (second(join(repo, 'a.txt')) !== second(join(repo, '.git', 'index'))) continue;
      checked += 1;
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await stateOf(repo)).not.toBe(before);
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('leaves out the journal and the data folder inside the work tree', async () => {
    const repo = makeGitRepository(join(folder, 'repo'), { 'a.txt': 'a' });
    const dataDir = join(repo, '.ensemble');
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'ensemble.db'), 'one');
    const journal = join(repo, 'journal.db');
    writeFileSync(journal, 'one');
    const excludePaths = [dataDir, journal];
    const before = await stateOf(repo, { excludePaths });
    writeFileSync(join(dataDir, 'ensemble.db'), 'two, longer');
    writeFileSync(journal, 'two, longer');
    expect(await stateOf(repo, { excludePaths })).toBe(before);
    // Without the exclusion they count like any untracked file.
    expect(await stateOf(repo)).not.toBe(before);
    // An exclusion outside the work tree (or the work tree itself) excludes nothing.
    expect(await stateOf(repo, { excludePaths: [...excludePaths, repo, folder] })).toBe(before);
  });

  it('reads a workspace below the top of the work tree', async () => {
    const repo = makeGitRepository(join(folder, 'repo'), { 'pkg/a.txt': 'a', 'other/b.txt': 'b' });
    const before = await stateOf(join(repo, 'pkg'));
    writeFileSync(join(repo, 'other', 'b.txt'), 'changed');
    expect(await stateOf(join(repo, 'pkg'))).not.toBe(before);
  });
});

describe('readWorkspaceState without git', () => {
  it('fingerprints paths, sizes and modification times', async () => {
    const workspace = join(folder, 'plain');
    mkdirSync(join(workspace, 'src'), { recursive: true });
    writeFileSync(join(workspace, 'src', 'a.txt'), 'a');
    const first = await stateOf(workspace);
    expect(first).toMatch(/^files:[0-9a-f]{64}$/);
    expect(await stateOf(workspace)).toBe(first);

    const { mtime } = statSync(join(workspace, 'src', 'a.txt'));
    writeFileSync(join(workspace, 'src', 'a.txt'), 'b');
    utimesSync(join(workspace, 'src', 'a.txt'), mtime, new Date(mtime.getTime() + 2000));
    const edited = await stateOf(workspace);
    expect(edited).not.toBe(first);

    writeFileSync(join(workspace, 'new.txt'), '');
    const added = await stateOf(workspace);
    rmSync(join(workspace, 'new.txt'));
    mkdirSync(join(workspace, 'empty'));
    const folderAdded = await stateOf(workspace);
    expect(new Set([first, edited, added, folderAdded]).size).toBe(4);

    mkdirSync(join(workspace, '.ensemble'));
    writeFileSync(join(workspace, '.ensemble', 'ensemble.db'), 'x');
    expect(await stateOf(workspace, { excludePaths: [join(workspace, '.ensemble')] })).toBe(folderAdded);
  });

  it('gives up past the file bound, saying why', async () => {
    const workspace = join(folder, 'many');
    mkdirSync(workspace);
    for (let index = 0; index < 6; index++) writeFileSync(join(workspace, `f${index}.txt`), String(index));
    expect((await readWorkspaceState(workspace, { signal, maxFiles: 6 })).ok).toBe(true);
    expect(await readWorkspaceState(workspace, { signal, maxFiles: 5 })).toEqual({ ok: false, reason: 'the workspace is not a git work tree and has more than 5 files' });
  });

  it('rejects with the signal\'s reason when aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(readWorkspaceState(folder, { signal: controller.signal })).rejects.toBe(reason);
  });
});
