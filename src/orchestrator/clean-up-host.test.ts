import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runConfigSchema, taskSpecSchema, type RunEvent } from '../core/index.js';
import { isProcessGroupAlive, readProcessStartTicks } from '../host/index.js';
import { openRunStore, type RunOwner, type RunStore } from '../store/index.js';
import { createTempFolder } from '../../test/helpers/temp-folder.js';
import { makeGitRepository } from '../../test/helpers/git-repository.js';
import { cleanUpHost } from './clean-up-host.js';
import type { CleanupItem, CleanupReport } from './cleanup-report.js';

let folder: string;
let dataDir: string;
let tmpDir: string;
let store: RunStore;
const children: ChildProcess[] = [];

beforeEach(() => {
  const temp = createTempFolder('ensemble-cleanup-host-');
  folder = temp.folder;
  dataDir = join(folder, 'data');
  tmpDir = join(folder, 'tmp');
  mkdirSync(tmpDir);
  store = openRunStore(join(dataDir, 'ensemble.db'));
  return () => {
    store.close();
    temp.remove();
  };
});

afterEach(() => {
  for (const child of children.splice(0)) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Gone (the test killed it).
    }
  }
});

/** A process that stays alive for the test, as its own group leader; `env` tags it as a run's agent. */
async function startSleeper(env: Record<string, string> = {}): Promise<{ pid: number; startTicks: number | undefined }> {
  const child = spawn('sh', ['-c', 'sleep 60 & sleep 60'], { detached: true, stdio: 'ignore', env: { PATH: process.env['PATH'] ?? '', ...env } });
  children.push(child);
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { pid: child.pid!, startTicks: readProcessStartTicks(child.pid!) };
}

/** A pid whose process has exited (a dead owner). */
function deadPid(): number {
  return spawnSync('true').pid!;
}

/** Whether the group still runs; a killed child of this process stays a zombie until reaped, which counts as gone. */
function isAlive(pgid: number): boolean {
  return isProcessGroupAlive(pgid);
}

function createRun(runId: string, owner: RunOwner, options: { status?: 'succeeded' | 'interrupted'; redis?: string; group?: { pid: number; pgid: number; startTicks?: number } } = {}): void {
  const spec = {
    tasks: [taskSpecSchema.parse({ id: 'edit', agentName: 'editor' })],
    config: runConfigSchema.parse({}),
    parameters: {},
    ...(options.redis === undefined ? {} : { settings: { redis: options.redis } }),
  };
  const claim = store.createRun({ runId, workflowName: `wf ${runId}`, spec, owner, createdAt: Date.now(), staleAfterMs: 600_000 });
  let seq = 1;
  const envelope = () => ({ runId, seq: seq++, at: Date.now() });
  const events: RunEvent[] = [
    { type: 'workflow:start', ...envelope(), workflowName: 'wf', taskCount: 1, maxParallelAgents: 1, resumed: false, completedTaskCount: 0 },
    { type: 'task:added', ...envelope(), taskId: 'edit', agentName: 'editor', description: '', dependencies: [], priority: 5 },
    { type: 'task:start', ...envelope(), taskId: 'edit', agentName: 'editor', description: '', attempt: 1 },
  ];
  if (options.group !== undefined) {
    events.push({ type: 'agent:process', ...envelope(), taskId: 'edit', agentName: 'editor', attempt: 1, state: 'started', host: hostname(), ...options.group });
  }
  store.journalFor(runId, claim).append(events);
  if (options.status !== undefined) store.markRunStatus(runId, options.status);
}

const kinds = (items: readonly CleanupItem[], kind: CleanupItem['kind']): CleanupItem[] => items.filter((item) => item.kind === kind);
const subjects = (items: readonly CleanupItem[], kind: CleanupItem['kind']): string[] => kinds(items, kind).map((item) => item.subject);

describe.runIf(process.platform === 'linux')('cleanUpHost: orphaned agents', () => {
  it('kills the open groups and tagged agents of runs whose owner is gone, never a live run’s nor a distributed run’s; a dry run kills nothing', async () => {
    const liveOwner = await startSleeper();
    const orphan = await startSleeper();
    const liveAgent = await startSleeper();
    const distributedAgent = await startSleeper();
    const unjournaled = await startSleeper({ ENSEMBLE_RUN_ID: 'run-crashed' });
    const foreignTagged = await startSleeper({ ENSEMBLE_RUN_ID: 'run-of-another-journal' });
    const group = (sleeper: { pid: number; startTicks: number | undefined }) => ({ pid: sleeper.pid, pgid: sleeper.pid, ...(sleeper.startTicks === undefined ? {} : { startTicks: sleeper.startTicks }) });
    createRun('run-crashed', { pid: deadPid(), host: hostname() }, { group: group(orphan) });
    createRun('run-live', { pid: liveOwner.pid, host: hostname(), ...(liveOwner.startTicks === undefined ? {} : { startTicks: liveOwner.startTicks }) }, { group: group(liveAgent) });
    createRun('run-distributed', { pid: deadPid(), host: hostname() }, { group: group(distributedAgent), redis: 'redis://127.0.0.1:6379' });

    const dry = await cleanUpHost({ store, isDryRun: true, tmpDir, graceMs: 200 });
    expect(subjects(dry.removed, 'process-group')).toEqual([`${orphan.pid} (task edit, pid ${orphan.pid})`]);
    expect(kinds(dry.removed, 'agent-processes')).toEqual([{ kind: 'agent-processes', subject: '3 agent processes found by their tag ENSEMBLE_RUN_ID=run-crashed', runId: 'run-crashed' }]);
    expect(kinds(dry.kept, 'process-group')).toEqual([
      expect.objectContaining({ runId: 'run-distributed', reason: expect.stringContaining('ran on workers') }),
    ]);
    expect([orphan, unjournaled, liveAgent, distributedAgent].every((sleeper) => isAlive(sleeper.pid))).toBe(true);
    // A dry run writes nothing to the runs: the crashed one is still recorded as running.
    expect(store.getRun('run-crashed')?.status).toBe('running');

    const report = await cleanUpHost({ store, tmpDir, graceMs: 200 });
    expect(report.failed).toEqual([]);
    expect(kinds(report.removed, 'process-group')).toEqual([{ kind: 'process-group', subject: `${orphan.pid} (task edit, pid ${orphan.pid})`, runId: 'run-crashed' }]);
    expect(kinds(report.removed, 'agent-processes')).toEqual([{ kind: 'agent-processes', subject: '3 agent processes found by their tag ENSEMBLE_RUN_ID=run-crashed', runId: 'run-crashed' }]);
    expect(isAlive(orphan.pid)).toBe(false);
    expect(isAlive(unjournaled.pid)).toBe(false);
    // Untouched: the live run's agent, the distributed run's (its workers' own), and a tag this journal does not know.
    expect(isAlive(liveAgent.pid)).toBe(true);
    expect(isAlive(distributedAgent.pid)).toBe(true);
    expect(isAlive(foreignTagged.pid)).toBe(true);
    expect(store.getRun('run-crashed')?.status).toBe('interrupted');
    expect(store.getRun('run-live')?.status).toBe('running');

    const again = await cleanUpHost({ store, tmpDir, graceMs: 200 });
    expect([...kinds(again.removed, 'process-group'), ...kinds(again.removed, 'agent-processes')]).toEqual([]);
    expect(store.maintenance.list().map((action) => [action.action, action.report['dryRun'], action.finishedAt !== undefined])).toEqual([
      ['cleanup', false, true],
      ['cleanup', false, true],
      ['cleanup', true, true],
    ]);
  }, 60_000);
});

describe('cleanUpHost: files, leases and worktrees', () => {
  let repository: string;
  const git = (cwd: string, ...args: string[]): string =>
    execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ticketWorktree = (ticketId: string): string => {
    const path = join(dataDir, 'worktrees', 'tickets', ticketId);
    git(repository, 'worktree', 'add', '-q', '-B', `ensemble/${ticketId}`, path, 'HEAD');
    return path;
  };

  beforeEach(() => {
    repository = makeGitRepository(join(folder, 'repo'), { 'README.md': 'hello\n' });
  });

  it('removes what no live run, resume or review needs, keeps the rest saying why, and finds nothing the second time', async () => {
    const liveOwner = await startSleeper();
    createRun('run-live', { pid: liveOwner.pid, host: hostname(), ...(liveOwner.startTicks === undefined ? {} : { startTicks: liveOwner.startTicks }) });
    createRun('run-crashed', { pid: deadPid(), host: hostname() });
    createRun('run-done', { pid: deadPid(), host: hostname() }, { status: 'succeeded' });
    const now = Date.now();
    const lease = (owner: string, runId: string, pattern: string, ttlMs = 60_000) =>
      expect(store.codebase.acquireLeases({ owner, runId, taskId: 'edit', patterns: [pattern], ttlMs }, now).ok).toBe(true);
    lease('run-live:T-1', 'run-live', 'src/live/**');
    lease('run-crashed:T-2', 'run-crashed', 'src/crashed/**');
    lease('run-removed:T-3', 'run-removed', 'src/removed/**');

    // Patches: a removed run's go; a crashed run's stay for its resume (its half-written one goes); a live run's are not touched.
    const patches = (runId: string, files: Record<string, string>) => {
      mkdirSync(join(dataDir, 'patches', runId), { recursive: true });
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dataDir, 'patches', runId, name), text);
    };
    patches('run-removed', { 'edit.patch': 'x' });
    patches('run-crashed', { 'edit.patch': 'x', 'edit.patch.77.partial': 'x' });
    patches('run-live', { 'edit.patch.78.partial': 'x' });

    // Workspace copies: a dead process's (a folder copy and a worktree copy) go; a live process's stays.
    const copy = (runId: string, name: string, owner: { pid: number; startTicks?: number | undefined }, repositoryOf?: string) => {
      const root = join(dataDir, 'worktrees', runId, name);
      if (repositoryOf === undefined) mkdirSync(root, { recursive: true });
      else git(repositoryOf, 'worktree', 'add', '-q', '--detach', root, 'HEAD');
      writeFileSync(join(root, 'work.txt'), 'half done');
      const record = { pid: owner.pid, host: hostname(), ...(owner.startTicks === undefined ? {} : { startTicks: owner.startTicks }), root, ...(repositoryOf === undefined ? { gitDir: `${root}.git` } : { repository: repositoryOf }), createdAt: now };
      writeFileSync(`${root}.owner.json`, JSON.stringify(record));
      return root;
    };
    const deadFolderCopy = copy('run-crashed', 'edit-1-aaaaaa', { pid: deadPid() });
    const deadWorktreeCopy = copy('run-done', 'edit-1-bbbbbb', { pid: deadPid() }, repository);
    const liveCopy = copy('run-live', 'edit-1-cccccc', liveOwner);

    // Ticket worktrees: a done ticket's clean one goes (its branch stays); a dirty one stays; one a resume continues stays;
    // one a pending review needs stays; a live run's is not touched; one whose folder was deleted is pruned from git.
    const doneTicket = store.codebase.addTicket({ title: 'done' }, now);
    const dirtyTicket = store.codebase.addTicket({ title: 'dirty' }, now);
    const resumedTicket = store.codebase.addTicket({ title: 'resumed' }, now);
    const reviewedTicket = store.codebase.addTicket({ title: 'reviewed' }, now);
    const liveTicket = store.codebase.addTicket({ title: 'live' }, now);
    store.codebase.updateTicket(doneTicket.id, { status: 'done', runId: 'run-done' }, now);
    store.codebase.updateTicket(dirtyTicket.id, { status: 'done', runId: 'run-done' }, now);
    store.codebase.updateTicket(resumedTicket.id, { status: 'in-progress', runId: 'run-crashed' }, now);
    store.codebase.updateTicket(reviewedTicket.id, { status: 'review', runId: 'run-done' }, now);
    store.codebase.updateTicket(liveTicket.id, { status: 'in-progress', runId: 'run-live' }, now);
    const doneTree = ticketWorktree(doneTicket.id);
    const dirtyTree = ticketWorktree(dirtyTicket.id);
    writeFileSync(join(dirtyTree, 'README.md'), 'uncommitted work\n');
    const resumedTree = ticketWorktree(resumedTicket.id);
    const reviewedTree = ticketWorktree(reviewedTicket.id);
    const head = git(repository, 'rev-parse', 'HEAD').trim();
    const review = store.codebase.addReview({ ticketId: reviewedTicket.id, runId: 'run-done', branch: `ensemble/${reviewedTicket.id}`, worktree: reviewedTree, baseCommit: head, headCommit: head, conflicts: [] }, now);
    const liveTree = ticketWorktree(liveTicket.id);
    writeFileSync(join(liveTree, 'README.md'), 'live work\n');
    const deletedTree = ticketWorktree('T-99');
    rmSync(deletedTree, { recursive: true, force: true });

    const dry = await cleanUpHost({ store, isDryRun: true, tmpDir });
    const everything = () => ({
      leases: store.codebase.listLeases(Date.now(), { includeExpired: true }).map((entry) => entry.owner).sort(),
      files: [deadFolderCopy, deadWorktreeCopy, liveCopy, doneTree, dirtyTree, resumedTree, reviewedTree, liveTree].map((path) => existsSync(path)),
      patches: ['run-removed/edit.patch', 'run-crashed/edit.patch', 'run-crashed/edit.patch.77.partial', 'run-live/edit.patch.78.partial'].map((path) => existsSync(join(dataDir, 'patches', path))),
      registered: git(repository, 'worktree', 'list', '--porcelain').includes(deletedTree),
    });
    const before = everything();
    expect(before).toEqual({ leases: ['run-crashed:T-2', 'run-live:T-1', 'run-removed:T-3'], files: Array(8).fill(true), patches: [true, true, true, true], registered: true });

    const report = await cleanUpHost({ store, tmpDir });
    expect(report.failed).toEqual([]);
    // The dry run listed exactly what was then removed.
    expect(dry.removed).toEqual(report.removed);
    expect(dry.kept).toEqual(report.kept);
    expect(everything()).toEqual({
      leases: ['run-live:T-1'],
      files: [false, false, true, false, true, true, true, true],
      patches: [false, true, false, true],
      registered: false,
    });
    expect(subjects(report.removed, 'lease').sort()).toEqual(['src/crashed/** held by run-crashed:T-2', 'src/removed/** held by run-removed:T-3']);
    expect(subjects(report.removed, 'workspace-copy').sort()).toEqual([deadFolderCopy, deadWorktreeCopy].sort());
    expect(subjects(report.removed, 'patches').sort()).toEqual([join(dataDir, 'patches', 'run-crashed', 'edit.patch.77.partial'), join(dataDir, 'patches', 'run-removed')].sort());
    expect(subjects(report.removed, 'ticket-worktree')).toEqual([doneTree]);
    expect(kinds(report.removed, 'worktree-registration')).toHaveLength(1);
    expect(kinds(report.removed, 'worktree-registration')[0]?.subject).toContain(`tickets/T-99 (in ${repository})`);
    expect(kinds(report.kept, 'ticket-worktree')).toEqual([
      { kind: 'ticket-worktree', subject: dirtyTree, runId: 'run-done', reason: 'it holds uncommitted changes; commit or discard them, then run cleanup again' },
      { kind: 'ticket-worktree', subject: resumedTree, runId: 'run-crashed', reason: `ticket ${resumedTicket.id} is in-progress (run run-crashed, resumable): its next attempt or resume continues in this worktree` },
      { kind: 'ticket-worktree', subject: reviewedTree, runId: 'run-done', reason: `review ${review.id} is open and needs this worktree` },
    ]);
    expect(kinds(report.kept, 'patches')).toEqual([
      { kind: 'patches', subject: join(dataDir, 'patches', 'run-crashed'), runId: 'run-crashed', reason: 'run run-crashed is interrupted: a resume reads the patches of its finished attempts' },
    ]);
    // The removed ticket worktree's branch, with its commits, is kept.
    expect(git(repository, 'branch', '--list', `ensemble/${doneTicket.id}`)).toContain(`ensemble/${doneTicket.id}`);
    expect(readFileSync(join(dirtyTree, 'README.md'), 'utf8')).toBe('uncommitted work\n');

    const again = await cleanUpHost({ store, tmpDir });
    expect(again.removed.filter((item) => item.kind !== 'cgroup')).toEqual([]);
    expect(again.failed).toEqual([]);
    expect(again.kept).toEqual(report.kept);
    expect(store.maintenance.get(report.actionId)?.report).toMatchObject({ dryRun: false, removed: report.removed, kept: report.kept });
  }, 60_000);

  it('works on an in-memory journal (no data folder to look in)', async () => {
    const memory = openRunStore(':memory:');
    try {
      const report = await cleanUpHost({ store: memory, tmpDir: join(folder, 'no-such-tmp') });
      expect(report.failed).toEqual([]);
      expect(report.removed.filter((item) => item.kind !== 'cgroup')).toEqual([]);
      expect(memory.maintenance.list()).toHaveLength(1);
    } finally {
      memory.close();
    }
  });

  it('reports a run it cannot read as failed, naming why, touches nothing of it, and goes on with the rest', async () => {
    createRun('run-corrupt', { pid: deadPid(), host: hostname() });
    expect(store.codebase.acquireLeases({ owner: 'run-corrupt:T-1', runId: 'run-corrupt', taskId: 'edit', patterns: ['a/**'], ttlMs: 60_000 }, Date.now()).ok).toBe(true);
    const raw = new Database(store.path);
    try {
      raw.prepare('UPDATE runs SET spec_json = ? WHERE run_id = ?').run('{not json', 'run-corrupt');
    } finally {
      raw.close();
    }
    mkdirSync(join(dataDir, 'patches', 'run-removed'), { recursive: true });
    const report = await cleanUpHost({ store, tmpDir });
    const unreadable = expect.stringContaining('run "run-corrupt" spec_json is not valid JSON');
    expect(report.failed).toEqual([
      { kind: 'process-group', subject: 'the agents of run run-corrupt (none was touched)', runId: 'run-corrupt', error: unreadable },
      { kind: 'run', subject: 'run run-corrupt (nothing of it was touched)', runId: 'run-corrupt', error: unreadable },
    ]);
    expect(store.codebase.listLeases(Date.now())).toHaveLength(1);
    expect(subjects(report.removed, 'patches')).toEqual([join(dataDir, 'patches', 'run-removed')]);
    expect(store.maintenance.get(report.actionId)?.report['failed']).toEqual(report.failed);
  });
});

describe('cleanUpHost: scratch folders', () => {
  it('removes the scratch folders of dead processes of this host, not a live one’s; a dry run only lists them', async () => {
    const { hostMark } = await import('../agents/process/agent-scratch-dir.js');
    const dead = join(tmpDir, `ensemble-agents-${hostMark()}-${deadPid()}-1`);
    const live = join(tmpDir, `ensemble-agents-${hostMark()}-${process.pid}-${readProcessStartTicks(process.pid) ?? 't1'}`);
    const otherHost = join(tmpDir, `ensemble-agents-00000000-${deadPid()}-1`);
    for (const path of [dead, live, otherHost]) mkdirSync(join(path, 'attempt-x'), { recursive: true, mode: 0o700 });
    const dry: CleanupReport = await cleanUpHost({ store, isDryRun: true, tmpDir });
    expect(subjects(dry.removed, 'scratch-folder')).toEqual([dead]);
    expect(existsSync(dead)).toBe(true);
    const report = await cleanUpHost({ store, tmpDir });
    expect(subjects(report.removed, 'scratch-folder')).toEqual([dead]);
    expect([dead, live, otherHost].map((path) => existsSync(path))).toEqual([false, true, true]);
    expect(subjects((await cleanUpHost({ store, tmpDir })).removed, 'scratch-folder')).toEqual([]);
  });
});
