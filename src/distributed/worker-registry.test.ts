import { hostname } from 'node:os';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestRedis, type TestRedisServer } from '../../test/helpers/redis-server.js';
import { createDistributedTestDispatcher, distributedAgent, distributedConnector, startDistributedTestWorker } from '../../test/helpers/distributed-dispatch.js';
import { recordingDispatchContext } from '../../test/helpers/dispatch-context.js';
import { taskSpecSchema } from '../core/index.js';
import { listWorkers, queueCounts } from './worker-registry.js';

let redis: TestRedisServer;
beforeAll(async () => {
  redis = await startTestRedis();
});
afterAll(async () => {
  await redis.dispose();
});

it('lists a live worker by its heartbeat, counts the queue, and drops the worker once it closes', async () => {
  const location = { connect: distributedConnector(redis.url), prefix: 'registry' };
  const definitions = [distributedAgent('says', { runtime: 'command', command: ['sh', '-c', 'echo said'] })];
  const worker = await startDistributedTestWorker(redis.url, 'registry', definitions, { concurrency: 3 });
  const dispatcher = createDistributedTestDispatcher(redis.url, 'registry', definitions);
  try {
    const deadline = Date.now() + 10_000;
    let workers = await listWorkers(location);
    while (workers.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      workers = await listWorkers(location);
    }
    expect(workers).toEqual([{ id: worker.id, host: hostname(), pid: process.pid, concurrency: 3, running: 0, startedAt: expect.any(Number) }]);
    const task = taskSpecSchema.parse({ id: 'counted', agentName: 'says' });
    await dispatcher.dispatch({ runId: 'r', task, attempt: 1, executionId: 'r:counted:1', inputs: [], context: [], permissions: 'edit' }, recordingDispatchContext());
    const countDeadline = Date.now() + 10_000;
    let counts = await queueCounts(location);
    while (counts.completed === 0 && Date.now() < countDeadline) counts = await queueCounts(location);
    expect(counts).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 1, failed: 0 });
  } finally {
    await dispatcher.close();
    await worker.close();
  }
  expect(await listWorkers(location)).toEqual([]);
});
