import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandAgent, commandInvocation } from '../../../test/helpers/process-agents.js';
import { createCommandRuntime } from './command-runtime.js';

// The diff stored with a process task is what changed in the work tree between the task's start and
// end (issue 6): not `git diff HEAD`, which holds the user's own uncommitted edits (an API key) and
// misses new untracked files. Real git repositories in temp folders.

let root: string;

// Writes files given as name=content arguments; `--await NAME` then waits (bounded) for NAME to exist,
// so two agents are sure to run at the same time.
const EDIT_SOURCE = `
  const fs = require('node:fs');
  const args = process.argv.slice(2);
  const awaited = args.indexOf('--await') >= 0 ? args.splice(args.indexOf('--await'), 2)[1] : undefined;
  for (const pair of args) {
    const [name, content] = pair.split('=');
    fs.mkdirSync(require('node:path').dirname(name), { recursive: true });
    fs.writeFileSync(name, content + '\\n');
  }
  const deadline = Date.now() + 10000;
  const poll = () => (awaited === undefined || fs.existsSync(awaited) || Date.now() > deadline ? process.stdout.write('edited') : setTimeout(poll, 10));
  poll();
`;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ensemble-diff-test-'));
  writeFileSync(join(root, 'edit.cjs'), EDIT_SOURCE);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function makeRepo(name: string): { repo: string; git: (...args: string[]) => string } {
  const repo = join(root, name);
  mkdirSync(repo);
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.email=test@example.com', '-c', 'user.name=Test', ...args], { cwd: repo, encoding: 'utf8' });
  git('init', '-q');
  writeFileSync(join(repo, 'config.env'), 'MODE=dev\n');
  writeFileSync(join(repo, 'tracked.txt'), 'original\n');
  writeFileSync(join(repo, '.gitignore'), 'build/\n');
  git('add', '.');
  git('commit', '-q', '-m', 'initial');
  return { repo, git };
}

const editor = (...edits: string[]) => commandAgent([process.execPath, join(root, 'edit.cjs'), ...edits]);
const indexHash = (repo: string): string => createHash('sha256').update(readFileSync(join(repo, '.git', 'index'))).digest('hex');

describe('command runtime: the diff of a task', () => {
  const runtime = createCommandRuntime();

  it('regression #6: holds what the task changed, new untracked files included, and nothing the user had changed before', async () => {
    const { repo, git } = makeRepo('honest');
    // The user's uncommitted work, staged and not: none of it is the task's.
    writeFileSync(join(repo, 'config.env'), 'MODE=dev\nAPI_KEY=sk-live-secret\n');
    writeFileSync(join(repo, 'notes.txt'), 'my untracked notes\n');
    git('add', 'notes.txt');
    const indexBefore = indexHash(repo);
    const agent = editor('tracked.txt=changed by the agent', 'new-file.txt=created by the agent', 'build/out.txt=ignored output');
    const outcome = await runtime.run(commandInvocation(agent, 'edit', repo), new AbortController().signal);
    const diff = outcome.evidence?.diff ?? '';
    expect(diff).toContain('diff --git a/tracked.txt b/tracked.txt');
    expect(diff).toContain('-original');
    expect(diff).toContain('+changed by the agent');
    expect(diff).toContain('diff --git a/new-file.txt b/new-file.txt');
    expect(diff).toContain('+created by the agent');
    expect(diff).not.toContain('API_KEY');
    expect(diff).not.toContain('notes');
    expect(diff).not.toContain('build/');
    expect(outcome.evidence?.diffShared).toBe(false);
    // The user's index and staged work are as they were.
    expect(indexHash(repo)).toBe(indexBefore);
    expect(git('diff', '--cached', '--name-only')).toBe('notes.txt\n');
  });

  it('records the diff of the whole work tree when the workspace is a sub-folder', async () => {
    const { repo } = makeRepo('nested');
    const workspace = join(repo, 'packages', 'app');
    mkdirSync(workspace, { recursive: true });
    const outcome = await runtime.run(commandInvocation(editor('index.js=export {}'), 'edit', workspace), new AbortController().signal);
    expect(outcome.evidence?.diff).toContain('diff --git a/packages/app/index.js b/packages/app/index.js');
  });

  it('records an empty diff when the task changed nothing', async () => {
    const { repo } = makeRepo('untouched');
    writeFileSync(join(repo, 'config.env'), 'MODE=dev\nAPI_KEY=sk-live-secret\n');
    const outcome = await runtime.run(commandInvocation(commandAgent([process.execPath, '-e', '']), 'x', repo), new AbortController().signal);
    expect(outcome.evidence).toMatchObject({ diff: '', diffShared: false });
  });

  it('regression #6: marks the diffs of tasks that ran in the same work tree at the same time as shared', async () => {
    const { repo } = makeRepo('shared');
    const first = runtime.run(commandInvocation(editor('a.txt=from a', '--await', 'b.txt'), 'a', repo, { taskId: 'a' }), new AbortController().signal);
    const second = runtime.run(commandInvocation(editor('b.txt=from b', '--await', 'a.txt'), 'b', repo, { taskId: 'b' }), new AbortController().signal);
    const outcomes = await Promise.all([first, second]);
    for (const outcome of outcomes) {
      expect(outcome.evidence?.diffShared).toBe(true);
    }
    expect(outcomes[0]!.evidence?.diff).toContain('+from a');
    // Alone again: not shared.
    const alone = await runtime.run(commandInvocation(editor('c.txt=from c'), 'c', repo, { taskId: 'c' }), new AbortController().signal);
    expect(alone.evidence).toMatchObject({ diffShared: false });
    expect(alone.evidence?.diff).toContain('+from c');
    expect(alone.evidence?.diff).not.toContain('from a');
  });
});
