import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRunStore } from '../src/store/index.js';
import { isProcessGone, makeTempDir, parseNdjson, parseWorkerLog, runCli, startCli, writeWorkerAgent } from './helpers/cli.js';
import { makeGitRepository } from './helpers/git-repository.js';
import { waitUntil } from './helpers/wait-until.js';

/** A run started by `ensemble run` in the background, once its task's agent (and the grandchild it spawned) runs. */
interface BackgroundRun {
  readonly child: ChildProcess;
  readonly runId: string;
  readonly exited: Promise<number | null>;
  /** The agent's pid and its grandchild's. */
  readonly agentPids: readonly number[];
}

interface Setup {
  readonly folder: string;
  readonly db: string;
  readonly agentsDir: string;
  /** A private temp folder for every ensemble process of the test, so agents' scratch folders are ours alone. */
  readonly tmpDir: string;
}

function setUp(): Setup {
  const folder = makeTempDir('ensemble-stopall-');
  const { agentsDir } = writeWorkerAgent(folder);
  const tmpDir = join(folder, 'tmp');
  mkdirSync(tmpDir);
  return { folder, db: join(folder, 'data', 'ensemble.db'), agentsDir, tmpDir };
}

/** Starts `ensemble run` of one long task (an agent that sleeps a minute and spawns a grandchild) and waits until both run. */
async function startRun(setup: Setup, taskId: string, extra: { readonly workspace?: string; readonly isolation?: 'worktree' } = {}): Promise<BackgroundRun> {
  const log = join(setup.folder, `${taskId}.log`);
  const workflow = join(setup.folder, `${taskId}.json`);
  const task = { id: taskId, agentName: 'worker', prompt: 'sleep=60000 spawn-grandchild', ...(extra.isolation === undefined ? {} : { isolation: extra.isolation }) };
  writeFileSync(workflow, JSON.stringify({ name: `long ${taskId}`, tasks: [task] }));
  const args = ['run', workflow, '--json', '--db', setup.db, '--agents-dir', setup.agentsDir, ...(extra.workspace === undefined ? [] : ['--workspace', extra.workspace])];
  const child = startCli(args, { cwd: setup.folder, env: { WORKER_LOG: log, TMPDIR: setup.tmpDir } });
  let stdout = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const pids = await waitUntil(
    () => {
      try {
        return parseWorkerLog(readFileSync(log, 'utf8')).find((entry) => entry.kind === 'pids')?.values;
      } catch {
        return undefined; // The log appears when the agent starts.
      }
    },
    `the agent of ${taskId} to start`,
    { timeoutMs: 60_000 },
  );
  const runId = String(parseNdjson(stdout.slice(0, stdout.lastIndexOf('\n') + 1))[0]!.runId);
  return { child, runId, exited, agentPids: pids };
}

/** Pids of live processes on this host whose environment tags them as agents of `runId`. */
function taggedProcesses(runId: string): number[] {
  const tagged: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(`ENSEMBLE_RUN_ID=${runId}`) && !isProcessGone(Number(name))) tagged.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return tagged;
}

function cli(setup: Setup, args: readonly string[]) {
  return runCli([...args, '--db', setup.db], { cwd: setup.folder, env: { TMPDIR: setup.tmpDir }, timeoutMs: 90_000 });
}

interface CleanupJson {
  readonly actionId: number;
  readonly dryRun: boolean;
  readonly removed: { kind: string; subject: string; runId?: string }[];
  readonly kept: { kind: string; subject: string; runId?: string; reason: string }[];
  readonly failed: unknown[];
}

describe.runIf(process.platform === 'linux')('ensemble stop-all and cleanup (issue 13)', () => {
  it('stop-all cancels the runs of two `ensemble run` processes on one journal, leaves no agent behind, and finds nothing to do the second time', async () => {
    const setup = setUp();
    const first = await startRun(setup, 'first');
    const second = await startRun(setup, 'second');

    const stopped = await cli(setup, ['stop-all', '--json', '--wait-ms', '60000']);
    expect(stopped.stderr).toBe('');
    expect(stopped.code).toBe(0);
    const report = JSON.parse(stopped.stdout) as { runs: { runId: string; outcome: string; status: string; stoppedBy: string }[]; problems: unknown[] };
    expect(report.problems).toEqual([]);
    expect(report.runs.map((run) => ({ runId: run.runId, outcome: run.outcome, status: run.status, stoppedBy: run.stoppedBy })).sort((a, b) => a.runId.localeCompare(b.runId))).toEqual(
      [first, second].map((run) => ({ runId: run.runId, outcome: 'cancelled', status: 'cancelled', stoppedBy: 'owner' })).sort((a, b) => a.runId.localeCompare(b.runId)),
    );
    // Each owner journaled its own cancellation, as `ensemble cancel` has it do.
    expect(await first.exited).toBe(1);
    expect(await second.exited).toBe(1);
    const store = openRunStore(setup.db);
    try {
      for (const run of [first, second]) {
        expect(store.getRun(run.runId)?.status).toBe('cancelled');
        expect(store.readEvents(run.runId).at(-1)).toMatchObject({ type: 'workflow:error', status: 'cancelled', error: { code: 'RUN_CANCELLED' } });
      }
    } finally {
      store.close();
    }
    for (const run of [first, second]) {
      await waitUntil(() => run.agentPids.every((pid) => isProcessGone(pid)), `the agents of ${run.runId} to be gone`, { timeoutMs: 10_000 });
      expect(taggedProcesses(run.runId)).toEqual([]);
    }

    const again = await cli(setup, ['stop-all']);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toBe('nothing to stop: no run of this journal is running and no agent of one is left on this host');

    const log = openRunStore(setup.db);
    try {
      const actions = log.maintenance.list({ action: 'stop-all' });
      expect(actions).toHaveLength(2);
      expect(actions.every((action) => action.finishedAt !== undefined && action.pid > 0)).toBe(true);
      expect(actions[1]!.report['runs']).toHaveLength(2);
      expect(actions[0]!.report['runs']).toEqual([]);
    } finally {
      log.close();
    }
  }, 180_000);

  it('cleanup removes what a kill -9ed run left (orphan agents, scratch folder, lease, workspace copy), never a live run’s; --dry-run removes nothing; a second cleanup finds nothing', async () => {
    const setup = setUp();
    const workspace = makeGitRepository(join(setup.folder, 'repo'), { 'README.md': 'hello\n' });
    const live = await startRun(setup, 'live', { workspace, isolation: 'worktree' });
    const victim = await startRun(setup, 'victim', { workspace, isolation: 'worktree' });
    const victimPid = victim.child.pid!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    const store = openRunStore(setup.db);
    const copiesOf = (runId: string): string[] => {
      const folder = join(setup.folder, 'data', 'worktrees', runId);
      return existsSync(folder) ? readdirSync(folder).filter((name) => !name.endsWith('.owner.json')).map((name) => join(folder, name)) : [];
    };
    try {
      const now = Date.now();
      expect(store.codebase.acquireLeases({ owner: `${victim.runId}:T-1`, runId: victim.runId, taskId: 'victim', patterns: ['src/**'], ttlMs: 600_000 }, now).ok).toBe(true);
      expect(store.codebase.acquireLeases({ owner: `${live.runId}:T-2`, runId: live.runId, taskId: 'live', patterns: ['docs/**'], ttlMs: 600_000 }, now).ok).toBe(true);
    } finally {
      store.close();
    }
    // With cgroup v2 (delegated, or as root) each agent has a cgroup under one of its ensemble process: the victim's outlives it.
    const victimCgroup = (() => {
      const reader = openRunStore(setup.db);
      try {
        const started = reader.readEvents(victim.runId).find((event) => event.type === 'agent:process');
        return started !== undefined && 'cgroup' in started && typeof started.cgroup === 'string' ? dirname(started.cgroup) : undefined;
      } finally {
        reader.close();
      }
    })();
    const victimKinds = [...(victimCgroup === undefined ? [] : ['cgroup']), 'lease', 'process-group', 'scratch-folder', 'workspace-copy'];
    const victimCopies = copiesOf(victim.runId);
    const liveCopies = copiesOf(live.runId);
    expect(victimCopies).toHaveLength(1);
    expect(liveCopies).toHaveLength(1);
    const victimScratch = readdirSync(setup.tmpDir).filter((name) => name.includes(`-${victimPid}-`));
    expect(victimScratch).toHaveLength(1);
    // Orphaned by the kill: the agent and its grandchild still run.
    expect(victim.agentPids.some((pid) => !isProcessGone(pid))).toBe(true);

    const dry = await cli(setup, ['cleanup', '--dry-run', '--json']);
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    const dryReport = JSON.parse(dry.stdout) as CleanupJson;
    expect(dryReport.dryRun).toBe(true);
    const ofVictim = (report: CleanupJson) => report.removed.filter((item) => item.runId === victim.runId || item.subject.includes(`-${victimPid}-`)).map((item) => item.kind).sort();
    expect(ofVictim(dryReport)).toEqual(victimKinds);
    expect(victim.agentPids.some((pid) => !isProcessGone(pid))).toBe(true);
    expect(copiesOf(victim.runId)).toEqual(victimCopies);
    expect(readdirSync(setup.tmpDir).filter((name) => name.includes(`-${victimPid}-`))).toEqual(victimScratch);
    const human = await cli(setup, ['cleanup', '--dry-run']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^would kill orphaned process group \d+ \(task victim, pid \d+\) · run /m);
    expect(human.stdout).toMatch(/^would remove \d+ items \(.*1 orphaned process group.*\)$/m);

    const cleaned = await cli(setup, ['cleanup', '--json']);
    expect(cleaned.stderr).toBe('');
    expect(cleaned.code).toBe(0);
    const report = JSON.parse(cleaned.stdout) as CleanupJson;
    expect(report.failed).toEqual([]);
    expect(ofVictim(report)).toEqual(victimKinds);
    if (victimCgroup !== undefined) expect(existsSync(victimCgroup)).toBe(false);
    expect(report.removed.find((item) => item.kind === 'scratch-folder' && item.subject.includes(`-${victimPid}-`))?.subject).toBe(join(setup.tmpDir, victimScratch[0]!));
    for (const pid of victim.agentPids) expect(isProcessGone(pid)).toBe(true);
    expect(taggedProcesses(victim.runId)).toEqual([]);
    expect(copiesOf(victim.runId)).toEqual([]);
    expect(readdirSync(setup.tmpDir).filter((name) => name.includes(`-${victimPid}-`))).toEqual([]);

    // The live run is untouched: its agent runs, its copy and lease stay, it is still running.
    expect(report.removed.filter((item) => item.runId === live.runId)).toEqual([]);
    for (const pid of live.agentPids) expect(isProcessGone(pid)).toBe(false);
    expect(copiesOf(live.runId)).toEqual(liveCopies);
    const after = openRunStore(setup.db);
    try {
      expect(after.codebase.listLeases(Date.now()).map((lease) => lease.owner)).toEqual([`${live.runId}:T-2`]);
      expect(after.getRun(live.runId)?.status).toBe('running');
      expect(after.getRun(victim.runId)?.status).toBe('interrupted');
    } finally {
      after.close();
    }

    const again = await cli(setup, ['cleanup', '--json']);
    expect(again.code).toBe(0);
    const againReport = JSON.parse(again.stdout) as CleanupJson;
    // Cgroups are the host's, shared with every other test's ensemble processes: only ours are looked at.
    expect(againReport.removed.filter((item) => item.kind !== 'cgroup' || item.subject.includes(`ensemble-${victimPid}-`))).toEqual([]);
    expect(againReport.failed).toEqual([]);

    // Every call is on record: two dry runs, two cleanups.
    const log = openRunStore(setup.db);
    try {
      const actions = log.maintenance.list({ action: 'cleanup' });
      expect(actions.map((action) => action.report['dryRun'])).toEqual([false, false, true, true]);
      expect(actions.every((action) => action.finishedAt !== undefined)).toBe(true);
      expect(actions[1]!.report['removed']).toEqual(report.removed);
    } finally {
      log.close();
    }

    // Stop the live run the way a user would.
    const stopped = await cli(setup, ['stop-all', '--json', '--wait-ms', '60000']);
    expect(stopped.code).toBe(0);
    expect(await live.exited).toBe(1);
    await waitUntil(() => live.agentPids.every((pid) => isProcessGone(pid)), 'the live run’s agents to be gone', { timeoutMs: 10_000 });
  }, 240_000);

  it('refuses bad input with exit 2, naming it', async () => {
    const setup = setUp();
    const badWait = await cli(setup, ['stop-all', '--wait-ms', 'soon']);
    expect(badWait.code).toBe(2);
    expect(badWait.stderr).toContain('--wait-ms: expected an integer from 0 to 3600000 (decimal digits only), got "soon"');
    const badFlag = await cli(setup, ['cleanup', '--dry-runn']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toContain("unknown option '--dry-runn'");
  }, 60_000);
});
