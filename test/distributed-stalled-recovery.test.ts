import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { taskSpecSchema, type TaskRequest } from '../src/core/index.js';
import { isProcessGroupAlive } from '../src/host/index.js';
import { dispatchKeys } from '../src/distributed/redis-keys.js';
import { recordingDispatchContext } from './helpers/dispatch-context.js';
import { createDistributedTestDispatcher, distributedAgent, distributedConnector, startDistributedTestWorker } from './helpers/distributed-dispatch.js';
import { startTestRedis, type TestRedisServer } from './helpers/redis-server.js';
import { createTempFolder, type TempFolder } from './helpers/temp-folder.js';
import { waitUntil } from './helpers/wait-until.js';

let redis: TestRedisServer;
let temp: TempFolder;
const cleanups: (() => Promise<unknown> | unknown)[] = [];

beforeEach(async () => {
  redis = await startTestRedis();
  temp = createTempFolder('ensemble-stalled-');
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await redis.dispose();
  temp.remove();
});

it("a worker killed mid-job: another finishes the job, the dead worker's agent group is killed, the coordinator gets one result", async () => {
  const prefix = 'stalled';
  const effects = join(temp.folder, 'effects');
  // First run: one line, then sleeps (still running when its worker dies). Second run: two lines, done.
  const command = ['sh', '-c', `echo run >> "${effects}"; if [ "$(wc -l < "${effects}")" -ge 2 ]; then echo finished; else sleep 60; fi`];
  const definitions = [distributedAgent('effects', { runtime: 'command', command })];
  const child = fileURLToPath(new URL('./helpers/distributed-worker-child.ts', import.meta.url));
  const viteNode = fileURLToPath(new URL('../node_modules/.bin/vite-node', import.meta.url));
  const first: ChildProcess = spawn(viteNode, [child], {
    env: { ...process.env, WORKER_REDIS_URL: redis.url, WORKER_PREFIX: prefix, WORKER_AGENT_COMMAND: JSON.stringify(command) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  cleanups.push(() => first.exitCode === null && first.signalCode === null && first.kill('SIGKILL'));
  let output = '';
  first.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitUntil(() => output.includes('ready'), 'the child worker to listen');

  const dispatcher = createDistributedTestDispatcher(redis.url, prefix, definitions, { watchIntervalMs: 500 });
  cleanups.push(() => dispatcher.close());
  const task = taskSpecSchema.parse({ id: 'effects-task', agentName: 'effects', prompt: 'work' });
  const request: TaskRequest = { runId: 'run-s', task, attempt: 1, executionId: 'run-s:effects-task:1', inputs: [], context: [], permissions: 'edit' };
  const context = recordingDispatchContext(new AbortController().signal, temp.folder);
  const outcomes: unknown[] = [];
  const dispatched = dispatcher.dispatch(request, context).then((outcome) => outcomes.push(outcome));

  // The child's agent runs and its group is recorded: then its worker dies without a word.
  const redisClient = distributedConnector(redis.url)();
  cleanups.push(() => redisClient.disconnect());
  const groups = await waitUntil(async () => {
    const recorded = await redisClient.hgetall(dispatchKeys(prefix).groups(request.executionId));
    return Object.keys(recorded).length > 0 ? recorded : undefined;
  }, 'the first agent process group to be recorded');
  const pgid = Number(Object.keys(groups)[0]);
  expect(isProcessGroupAlive(pgid)).toBe(true);
  const exited = new Promise((resolve) => first.once('exit', resolve));
  first.kill('SIGKILL');
  await exited;
  expect(isProcessGroupAlive(pgid)).toBe(true);

  const second = await startDistributedTestWorker(redis.url, prefix, definitions, { concurrency: 1, lockDurationMs: 1_000, stalledIntervalMs: 500 });
  cleanups.push(() => second.close({ abort: true }));
  await dispatched;
  expect(outcomes).toHaveLength(1);
  expect((outcomes[0] as { output: string }).output).toContain('finished');
  expect(isProcessGroupAlive(pgid)).toBe(false);
  expect(readFileSync(effects, 'utf8').trim().split('\n')).toHaveLength(2);
  // The second start voided the first worker's output for the coordinator.
  expect(context.recorded.outputs).toContain('');
  expect(existsSync(effects)).toBe(true);
}, 60_000);
