import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EnsembleError, isEnsembleError, taskSpecSchema, type DispatchContext, type TaskRequest } from '../core/index.js';
import { isProcessGroupAlive } from '../host/index.js';
import { startTestRedis, type TestRedisServer } from '../../test/helpers/redis-server.js';
import { recordingDispatchContext } from '../../test/helpers/dispatch-context.js';
import { createDistributedTestDispatcher, distributedAgent, distributedConnector, startDistributedTestWorker } from '../../test/helpers/distributed-dispatch.js';
import { requestCancel } from './cancel-channel.js';
import { toStreamItem } from './execution-stream.js';
import { dispatchKeys, TASK_QUEUE_NAME } from './redis-keys.js';
import { startTaskWorker, type TaskWorker } from './task-worker.js';
import { toJobId, type StreamItem } from './task-job.js';
import type { QueueDispatcher } from './queue-dispatcher.js';
import { waitUntil } from '../../test/helpers/wait-until.js';

let redis: TestRedisServer;
let workspace: string;
let client: Redis;
const cleanups: (() => Promise<unknown> | unknown)[] = [];
let prefixCount = 0;

beforeAll(async () => {
  redis = await startTestRedis();
  client = distributedConnector(redis.url)();
});
afterAll(async () => {
  client.disconnect();
  await redis.dispose();
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  if (workspace !== undefined) rmSync(workspace, { recursive: true, force: true });
});

function freshPrefix(): string {
  prefixCount += 1;
  workspace = mkdtempSync(join(tmpdir(), 'ensemble-queue-dispatch-'));
  return `qd${prefixCount}`;
}

function requestFor(agentName: string, taskId: string, attempt = 1): TaskRequest {
  const task = taskSpecSchema.parse({ id: taskId, agentName, prompt: 'work' });
  return { runId: 'run-q', task, attempt, executionId: `run-q:${taskId}:${attempt}`, inputs: [], context: [], permissions: 'edit' };
}

async function streamItems(prefix: string, executionId: string): Promise<StreamItem[]> {
  const entries = await client.xrange(dispatchKeys(prefix).stream(executionId), '-', '+');
  return entries.map(([, fields]) => toStreamItem(fields)).filter((item): item is StreamItem => item !== undefined);
}

function dispatcherOf(prefix: string, definitions: Parameters<typeof createDistributedTestDispatcher>[2], options: Parameters<typeof createDistributedTestDispatcher>[3] = {}): QueueDispatcher {
  const dispatcher = createDistributedTestDispatcher(redis.url, prefix, definitions, options);
  cleanups.push(() => dispatcher.close());
  return dispatcher;
}

async function workerOf(prefix: string, definitions: Parameters<typeof startDistributedTestWorker>[2]): Promise<TaskWorker> {
  const worker = await startDistributedTestWorker(redis.url, prefix, definitions);
  cleanups.push(() => worker.close({ abort: true }));
  return worker;
}

function queueOf(prefix: string): Queue {
  const queue = new Queue(TASK_QUEUE_NAME, { connection: distributedConnector(redis.url)(), prefix });
  cleanups.push(() => queue.close());
  return queue;
}

describe('QueueDispatcher and task workers', () => {
  it('applies what the worker reports in order, every report before the result', async () => {
    const prefix = freshPrefix();
    const worker = await startTaskWorker({
      connect: distributedConnector(redis.url),
      prefix,
      concurrency: 1,
      execute: async (_job, context) => {
        context.reportOutput('one ');
        context.reportOutput('two ');
        const resume = context.suspendTimeout();
        const sent = context.sendMessage({ to: 'reviewer', messageType: 'data', content: 'hello' });
        context.updateShared('decision', 'yes');
        resume();
        context.reportUsage({ inputTokens: 3, outputTokens: 2, totalTokens: 5 }, 0.5);
        context.reportOutput('three');
        return { output: `sent ${sent.ok ? sent.message.messageId : 'nothing'}; shared v${context.readShared('decision')?.version ?? 0}` };
      },
    });
    cleanups.push(() => worker.close());
    const dispatcher = dispatcherOf(prefix, [distributedAgent('writer', { runtime: 'command', command: ['true'] })]);
    const calls: string[] = [];
    const base = recordingDispatchContext(new AbortController().signal, workspace);
    const context: DispatchContext = {
      ...base,
      reportOutput: (delta, options) => calls.push(`output:${delta}${options?.restart === true ? ':restart' : ''}`),
      reportUsage: (usage, costUsd) => calls.push(`usage:${usage.totalTokens}:${costUsd}`),
      suspendTimeout: () => {
        calls.push('suspend');
        return () => calls.push('resume');
      },
      sendMessage: (message) => {
        calls.push(`message:${message.to}:${message.content}`);
        return { ok: false, reason: 'recorded' };
      },
      updateShared: (key, value) => {
        calls.push(`shared:${key}=${value}`);
        return base.updateShared(key, value);
      },
    };
    const outcome = await dispatcher.dispatch(requestFor('writer', 'ordered'), context);
    calls.push(`result:${outcome.output}`);
    expect(calls).toEqual([
      'output:one ',
      'output:two ',
      'suspend',
      'message:reviewer:hello',
      'shared:decision=yes',
      'resume',
      'usage:5:0.5',
      'output:three',
      'result:sent run-q:ordered:1:m1; shared v1',
    ]);
  });

  it("cancels a running job on its worker and kills the agent's process group", async () => {
    const prefix = freshPrefix();
    const definitions = [distributedAgent('sleeper', { runtime: 'command', command: ['sleep', '60'] })];
    await workerOf(prefix, definitions);
    const dispatcher = dispatcherOf(prefix, definitions);
    const controller = new AbortController();
    const context = recordingDispatchContext(controller.signal, workspace);
    const running = dispatcher.dispatch(requestFor('sleeper', 'cancelled-running'), context).catch((error: unknown) => error);
    const started = await waitUntil(() => context.recorded.events.find((event) => event.type === 'agent:process'), 'the agent to start', { timeoutMs: 15_000 });
    const pgid = (started.payload as { pgid: number }).pgid;
    expect(isProcessGroupAlive(pgid)).toBe(true);
    const reason = new EnsembleError('RUN_CANCELLED', 'cancelled by the test');
    controller.abort(reason);
    expect(await running).toBe(reason);
    await waitUntil(() => !isProcessGroupAlive(pgid), 'the process group to be gone', { timeoutMs: 15_000 });
    // The worker ended the job with the cancel's reason, and forgot the group.
    const items = await waitUntil(async () => {
      const found = await streamItems(prefix, 'run-q:cancelled-running:1');
      return found.some((item) => item.kind === 'failure') ? found : undefined;
    }, 'the failure item', { timeoutMs: 15_000 });
    expect(items.at(-1)).toMatchObject({ kind: 'failure', error: { code: 'RUN_CANCELLED' } });
    expect(await client.exists(dispatchKeys(prefix).groups('run-q:cancelled-running:1'))).toBe(0);
  });

  it('a worker that stops mid-task gives the job back to the queue: another worker runs it and the coordinator gets one result', async () => {
    const prefix = freshPrefix();
    const marker = join(workspace, 'runs.log');
    // Logs each run, then works for 1.5 s: long enough for the first worker to stop in the middle.
    const definitions = [distributedAgent('slow-logger', { runtime: 'command', command: ['sh', '-c', `echo run >> ${JSON.stringify(marker)}; sleep 1.5; echo finished`] })];
    const first = await startDistributedTestWorker(redis.url, prefix, definitions, { concurrency: 1 });
    const dispatcher = dispatcherOf(prefix, definitions);
    const context = recordingDispatchContext(new AbortController().signal, workspace);
    const outcome = dispatcher.dispatch(requestFor('slow-logger', 'handed-back'), context);
    await waitUntil(() => context.recorded.events.find((event) => event.type === 'agent:process'), 'the agent to start on the first worker', { timeoutMs: 15_000 });
    const stopping = first.close({ graceMs: 0 });
    await workerOf(prefix, definitions);
    await stopping;
    const result = await outcome;
    expect(result.output).toContain('finished');
    // Two runs of the agent (the first one cut short), one result; the restart voided the first run's output.
    expect(readFileSync(marker, 'utf8').trim().split('\n')).toEqual(['run', 'run']);
    const starts = context.recorded.events.filter((event) => event.type === 'agent:process' && (event.payload as { state: string }).state === 'started');
    expect(starts).toHaveLength(2);
  });

  it('a cancel that missed the channel (only its mark was written) still reaches the running job within a heartbeat', async () => {
    const prefix = freshPrefix();
    const definitions = [distributedAgent('sleeper', { runtime: 'command', command: ['sleep', '60'] })];
    // --lock-ms 1000: a beat every 500 ms.
    const worker = await startDistributedTestWorker(redis.url, prefix, definitions, { lockDurationMs: 1_000 });
    cleanups.push(() => worker.close({ abort: true }));
    const dispatcher = dispatcherOf(prefix, definitions);
    const context = recordingDispatchContext(new AbortController().signal, workspace);
    const running = dispatcher.dispatch(requestFor('sleeper', 'missed-cancel'), context).catch((error: unknown) => error);
    const started = await waitUntil(() => context.recorded.events.find((event) => event.type === 'agent:process'), 'the agent to start', { timeoutMs: 15_000 });
    const pgid = (started.payload as { pgid: number }).pgid;
    // The mark alone, as if the PUBLISH had gone out while the worker's subscriber was reconnecting.
    const reason = new EnsembleError('RUN_CANCELLED', 'cancelled while the worker was not listening');
    await client.set(dispatchKeys(prefix).cancelled('run-q:missed-cancel:1'), JSON.stringify({ executionId: 'run-q:missed-cancel:1', reason: { code: reason.code, message: reason.message, retryable: false } }), 'EX', 60);
    const failure = await running;
    expect(isEnsembleError(failure) && failure.code).toBe('RUN_CANCELLED');
    await waitUntil(() => !isProcessGroupAlive(pgid), 'the process group to be gone', { timeoutMs: 15_000 });
  });

  it('never runs a job cancelled while it waited', async () => {
    const prefix = freshPrefix();
    const marker = join(workspace, 'ran');
    const definitions = [
      distributedAgent('marks', { runtime: 'command', command: ['sh', '-c', `touch "${marker}"; echo marked`] }),
      distributedAgent('says', { runtime: 'command', command: ['sh', '-c', 'echo said'] }),
    ];
    const dispatcher = dispatcherOf(prefix, definitions);
    const queue = queueOf(prefix);
    const controller = new AbortController();
    const waiting = dispatcher.dispatch(requestFor('marks', 'cancelled-waiting'), recordingDispatchContext(controller.signal, workspace)).catch((error: unknown) => error);
    const jobId = toJobId('run-q:cancelled-waiting:1');
    await waitUntil(async () => ['waiting', 'prioritized'].includes(await queue.getJobState(jobId)), 'the job to wait', { timeoutMs: 15_000 });
    controller.abort(new EnsembleError('RUN_CANCELLED', 'cancelled while waiting'));
    expect(isEnsembleError(await waiting)).toBe(true);
    await waitUntil(async () => (await queue.getJobState(jobId)) === 'unknown', 'the waiting job to be removed', { timeoutMs: 15_000 });
    await workerOf(prefix, definitions);
    // The worker takes jobs: a later one runs, and the cancelled one never did.
    expect((await dispatcher.dispatch(requestFor('says', 'after'), recordingDispatchContext(new AbortController().signal, workspace))).output).toContain('said');
    expect(existsSync(marker)).toBe(false);
  });

  it('fails a job at once, running nothing, when its execution was cancelled before a worker took it', async () => {
    const prefix = freshPrefix();
    const marker = join(workspace, 'ran');
    const definitions = [distributedAgent('marks', { runtime: 'command', command: ['sh', '-c', `touch "${marker}"`] })];
    const queue = queueOf(prefix);
    const executionId = 'run-q:marked-cancelled:1';
    await requestCancel(client, dispatchKeys(prefix), executionId, new EnsembleError('TASK_TIMEOUT', 'too late', { retryable: true }));
    const request = requestFor('marks', 'marked-cancelled');
    await queue.add('marked-cancelled', { version: 1, request, workspace, run: { enableCommunication: true }, received: [] }, { jobId: toJobId(executionId) });
    await workerOf(prefix, definitions);
    const items = await waitUntil(async () => {
      const found = await streamItems(prefix, executionId);
      return found.some((item) => item.kind === 'failure') ? found : undefined;
    }, 'the failure item', { timeoutMs: 15_000 });
    expect(items).toEqual([{ kind: 'failure', error: { code: 'TASK_TIMEOUT', message: 'too late', retryable: true } }]);
    expect(existsSync(marker)).toBe(false);
  });

  it('completes a job with an invalid payload with an INVALID_INPUT failure naming the field, and keeps working', async () => {
    const prefix = freshPrefix();
    const definitions = [distributedAgent('says', { runtime: 'command', command: ['sh', '-c', 'echo said'] })];
    const queue = queueOf(prefix);
    await workerOf(prefix, definitions);
    const executionId = 'run-q:broken:1';
    await queue.add('broken', { version: 1, request: { executionId, runId: 'run-q', task: { id: 'broken', agentName: 'says', prio: 3 } } }, { jobId: toJobId(executionId) });
    const items = await waitUntil(async () => {
      const found = await streamItems(prefix, executionId);
      return found.length > 0 ? found : undefined;
    }, 'the failure item', { timeoutMs: 15_000 });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'failure', error: { code: 'INVALID_INPUT' } });
    expect((items[0] as { error: { message: string } }).error.message).toMatch(/^job\.request\./);
    await waitUntil(async () => (await queue.getJobState(toJobId(executionId))) === 'completed', 'the job to complete', { timeoutMs: 15_000 });
    const dispatcher = dispatcherOf(prefix, definitions);
    expect((await dispatcher.dispatch(requestFor('says', 'fine'), recordingDispatchContext(new AbortController().signal, workspace))).output).toContain('said');
  });

  it('reattaches to a job still running for the previous coordinator, adding no job', async () => {
    const prefix = freshPrefix();
    const gate = join(workspace, 'go');
    const definitions = [distributedAgent('waits', { runtime: 'command', command: ['sh', '-c', `while [ ! -e "${gate}" ]; do sleep 0.05; done; echo finished`] })];
    await workerOf(prefix, definitions);
    const queue = queueOf(prefix);
    const first = createDistributedTestDispatcher(redis.url, prefix, definitions);
    const abandoned = first.dispatch(requestFor('waits', 'long'), recordingDispatchContext(new AbortController().signal, workspace)).catch((error: unknown) => error);
    await waitUntil(async () => (await streamItems(prefix, 'run-q:long:1')).some((item) => item.kind === 'started'), 'the job to start', { timeoutMs: 15_000 });
    await first.close();
    expect(isEnsembleError(await abandoned)).toBe(true);

    const second = dispatcherOf(prefix, definitions, { reattach: new Map([['long', 'run-q:long:1']]) });
    const context = recordingDispatchContext(new AbortController().signal, workspace);
    const resumed = second.dispatch(requestFor('waits', 'long', 2), context);
    writeFileSync(gate, '');
    expect((await resumed).output).toContain('finished');
    expect(context.recorded.outputs[0]).toBe('');
    expect(await queue.getJobState(toJobId('run-q:long:2'))).toBe('unknown');
    // The worker writes the result before BullMQ moves the job to completed: wait for the move.
    await waitUntil(async () => (await queue.getJobCounts('completed')).completed === 1, 'the one job to complete', { timeoutMs: 15_000 });
    expect(await queue.getJobCounts('completed', 'waiting', 'active')).toMatchObject({ completed: 1, waiting: 0, active: 0 });
  });

  it('reattaches to a job that finished while no coordinator ran, replaying its end', async () => {
    const prefix = freshPrefix();
    const definitions = [distributedAgent('says', { runtime: 'command', command: ['sh', '-c', 'echo said'] })];
    await workerOf(prefix, definitions);
    const queue = queueOf(prefix);
    const first = createDistributedTestDispatcher(redis.url, prefix, definitions);
    expect((await first.dispatch(requestFor('says', 'done-before'), recordingDispatchContext(new AbortController().signal, workspace))).output).toContain('said');
    await first.close();
    await waitUntil(async () => (await queue.getJobState(toJobId('run-q:done-before:1'))) === 'completed', 'the job to complete', { timeoutMs: 15_000 });

    const second = dispatcherOf(prefix, definitions, { reattach: new Map([['done-before', 'run-q:done-before:1'], ['gone', 'run-q:gone:1']]) });
    expect((await second.dispatch(requestFor('says', 'done-before', 2), recordingDispatchContext(new AbortController().signal, workspace))).output).toContain('said');
    expect(await queue.getJobState(toJobId('run-q:done-before:2'))).toBe('unknown');
    // A job that no longer exists is queued afresh under the new execution id.
    expect((await second.dispatch(requestFor('says', 'gone', 2), recordingDispatchContext(new AbortController().signal, workspace))).output).toContain('said');
    await waitUntil(async () => (await queue.getJobState(toJobId('run-q:gone:2'))) === 'completed', 'the new job to complete', { timeoutMs: 15_000 });
  });
});
