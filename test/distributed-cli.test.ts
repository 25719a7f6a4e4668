import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { isProcessGone, makeTempDir, parseNdjson, parseWorkerLog, runCli, startCli, writeWorkerAgent } from './helpers/cli.js';
import { startTestRedis, type TestRedisServer } from './helpers/redis-server.js';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker-process.js';
import { waitUntil } from './helpers/wait-until.js';

// Issue 11: `ensemble worker` processes share a run that another process started (`run --redis`),
// and the run survives a worker killed mid-task, a coordinator killed mid-run, and Redis restarting.
// What ran is checked from the agents' own log (WORKER_LOG), not from ensemble's journal.

interface Fixture {
  readonly folder: string;
  readonly agentsDir: string;
  readonly log: string;
  readonly db: string;
  readonly env: NodeJS.ProcessEnv;
}

function fixture(): Fixture {
  const folder = makeTempDir('ensemble-distributed-');
  const { agentsDir } = writeWorkerAgent(folder);
  const log = join(folder, 'agents.log');
  writeFileSync(log, '');
  return { folder, agentsDir, log, db: join(folder, 'ensemble.db'), env: { WORKER_LOG: log } };
}

/** A workflow of `count` independent `worker` tasks (plus a final one after all) that each sleep `sleepMs`. */
function writeWorkflow(folder: string, count: number, sleepMs: number): string {
  const tasks = Array.from({ length: count }, (_, index) => ({ id: `t${index + 1}`, agentName: 'worker', prompt: `sleep=${sleepMs}` }));
  const path = join(folder, 'workflow.json');
  writeFileSync(path, JSON.stringify({ name: 'distributed', config: { maxParallelAgents: 8 }, tasks: [...tasks, { id: 'final', agentName: 'worker', prompt: 'sleep=0', dependencies: tasks.map((task) => task.id) }] }));
  return path;
}

/** Starts and ends per task in the agents' log. */
function tally(log: string): Map<string, { starts: number; ends: number; pids: number[] }> {
  const byTask = new Map<string, { starts: number; ends: number; pids: number[] }>();
  for (const entry of parseWorkerLog(readFileSync(log, 'utf8'))) {
    const counts = byTask.get(entry.task) ?? { starts: 0, ends: 0, pids: [] };
    if (entry.kind === 'start') {
      counts.starts++;
      counts.pids.push(entry.values[1]!);
    }
    if (entry.kind === 'end') counts.ends++;
    byTask.set(entry.task, counts);
  }
  return byTask;
}

describe('distributed runs through the CLI (real redis-server, worker processes)', () => {
  let redis: TestRedisServer;
  let workers: WorkerProcess[] = [];
  let fx: Fixture;

  beforeEach(async () => {
    redis = await startTestRedis({ appendOnly: true });
    fx = fixture();
    workers = [];
  });

  afterEach(async () => {
    await Promise.allSettled(workers.map((worker) => worker.kill()));
    await redis.dispose();
  });

  const startWorkers = async (count: number, concurrency = 2): Promise<void> => {
    for (let index = 0; index < count; index++) {
      workers.push(await startWorkerProcess({ cwd: fx.folder, redisUrl: redis.url, concurrency, env: fx.env, extraArgs: ['--lock-ms', '2000'] }));
    }
  };

  it('two worker processes share a run another process started; every task runs once and the run succeeds', async () => {
    await startWorkers(2);
    const workflow = writeWorkflow(fx.folder, 6, 300);
    const result = await runCli(['--agents-dir', fx.agentsDir, '--db', fx.db, '--json', 'run', workflow, '--redis', redis.url], { cwd: fx.folder, env: fx.env, timeoutMs: 90_000 });
    expect(result.code, result.stderr).toBe(0);
    const events = parseNdjson(result.stdout);
    const complete = events.find((event) => event['type'] === 'workflow:complete') as { summary: { successfulTasks: number } } | undefined;
    expect(complete?.summary.successfulTasks).toBe(7);
    const counts = tally(fx.log);
    expect([...counts.keys()].sort()).toEqual(['final', 't1', 't2', 't3', 't4', 't5', 't6']);
    for (const [task, count] of counts) expect(count, task).toMatchObject({ starts: 1, ends: 1 });
    // Both workers took part: the work was shared, not run by the first one alone.
    expect(workers[0]!.started().length).toBeGreaterThan(0);
    expect(workers[1]!.started().length).toBeGreaterThan(0);
    expect(workers[0]!.started().length + workers[1]!.started().length).toBe(7);
  }, 120_000);

  it('a worker killed mid-task: another worker runs the task, the dead worker\'s agent is killed, no task is lost or completed twice', async () => {
    await startWorkers(2, 1);
    // Long enough that the killed worker's agent would still be sleeping when its worker's heartbeat
    // expires (three 1 s beats with --lock-ms 2000): it must be killed then, not left to finish.
    const workflow = writeWorkflow(fx.folder, 2, 8_000);
    const coordinator = startCli(['--agents-dir', fx.agentsDir, '--db', fx.db, '--json', 'run', workflow, '--redis', redis.url], { cwd: fx.folder, env: fx.env });
    let stdout = '';
    coordinator.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => coordinator.once('exit', (code) => resolve(code)));
    // Both workers hold one sleeping task each; kill the first one's process outright.
    await workers[0]!.waitForStart(/:t\d:/);
    await waitUntil(() => tally(fx.log).size >= 1, 'an agent to start');
    const victim = workers[0]!;
    const victimTask = /:(t\d):/.exec(victim.started()[0]!)![1]!;
    await waitUntil(() => (tally(fx.log).get(victimTask)?.starts ?? 0) >= 1, `agent of ${victimTask} to log its start`);
    const victimAgentPid = tally(fx.log).get(victimTask)!.pids[0]!;
    await victim.kill();
    const code = await Promise.race([exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 90_000))]);
    expect(code, stdout).toBe(0);
    const counts = tally(fx.log);
    // The task ran again on the surviving worker and ended once; its first agent never ended.
    expect(counts.get(victimTask)).toMatchObject({ starts: 2, ends: 1 });
    expect(isProcessGone(victimAgentPid)).toBe(true);
    for (const task of ['t1', 't2', 'final']) expect(counts.get(task)?.ends, task).toBe(1);
    const events = parseNdjson(stdout);
    const completes = events.filter((event) => event['type'] === 'task:complete').map((event) => event['taskId']);
    expect(completes.sort()).toEqual(['final', 't1', 't2']);
  }, 150_000);

  it('a coordinator killed mid-run: resume re-attaches to the jobs still running and queues none of them twice', async () => {
    await startWorkers(1, 4);
    const workflow = writeWorkflow(fx.folder, 3, 4_000);
    const coordinator = startCli(['--agents-dir', fx.agentsDir, '--db', fx.db, '--json', 'run', workflow, '--redis', redis.url], { cwd: fx.folder, env: fx.env });
    let stdout = '';
    coordinator.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<void>((resolve) => coordinator.once('exit', () => resolve()));
    await waitUntil(() => [...tally(fx.log).values()].filter((count) => count.starts > 0).length === 3, 'three agents to start');
    coordinator.kill('SIGKILL');
    await exited;
    const runId = (parseNdjson(stdout).find((event) => event['type'] === 'workflow:start') as { runId: string }).runId;
    // The agents go on working on the worker while nobody coordinates.
    const resumed = await runCli(['--agents-dir', fx.agentsDir, '--db', fx.db, '--json', 'resume', runId], { cwd: fx.folder, env: fx.env, timeoutMs: 90_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    const counts = tally(fx.log);
    for (const task of ['t1', 't2', 't3', 'final']) expect(counts.get(task), task).toMatchObject({ starts: 1, ends: 1 });
    const events = parseNdjson(resumed.stdout);
    expect(events.filter((event) => event['type'] === 'task:complete').map((event) => event['taskId']).sort()).toEqual(['final', 't1', 't2', 't3']);
    expect(workers[0]!.started().filter((id) => id.includes(':t1:'))).toHaveLength(1);
  }, 150_000);

  it('Redis restarted mid-run (AOF on): the run continues and every task completes once', async () => {
    await startWorkers(2, 2);
    const workflow = writeWorkflow(fx.folder, 4, 2_500);
    const coordinator = startCli(['--agents-dir', fx.agentsDir, '--db', fx.db, '--json', 'run', workflow, '--redis', redis.url], { cwd: fx.folder, env: fx.env });
    let stdout = '';
    let stderr = '';
    coordinator.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    coordinator.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => coordinator.once('exit', (code) => resolve(code)));
    await waitUntil(() => [...tally(fx.log).values()].filter((count) => count.starts > 0).length >= 2, 'agents to start');
    await redis.stop();
    await new Promise((resolve) => setTimeout(resolve, 500));
    await redis.start();
    const code = await Promise.race([exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 90_000))]);
    expect(code, `${stdout}\n${stderr}`).toBe(0);
    const counts = tally(fx.log);
    for (const task of ['t1', 't2', 't3', 't4', 'final']) expect(counts.get(task)?.ends, task).toBe(1);
    const client = new Redis(redis.url);
    try {
      // The queue kept its jobs across the restart (AOF): every execution of the run is there, completed.
      const completed = await client.zcard('ensemble:tasks:completed');
      expect(completed).toBe(5);
    } finally {
      client.disconnect();
    }
  }, 150_000);

  it('refuses a Redis that does not answer, naming it, before anything is journaled', async () => {
    const workflow = writeWorkflow(fx.folder, 1, 0);
    const result = await runCli(['--agents-dir', fx.agentsDir, '--db', fx.db, 'run', workflow, '--redis', 'redis://127.0.0.1:1'], { cwd: fx.folder, env: fx.env });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/REDIS_UNAVAILABLE.*redis:\/\/127\.0\.0\.1:1/);
    const bad = await runCli(['--db', fx.db, 'run', workflow, '--redis', 'http://example'], { cwd: fx.folder, env: fx.env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--redis: expected a Redis URL/);
    const noUrl = await runCli(['worker'], { cwd: fx.folder, env: fx.env });
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toMatch(/--redis/);
    // Nothing was journaled for the refused run.
    const runs = await runCli(['--db', fx.db, '--json', 'runs'], { cwd: fx.folder });
    expect(existsSync(fx.db) ? runs.stdout : '[]').not.toContain('"runId"');
  }, 60_000);
});
