import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentDefinition } from '../../src/agents/index.js';
import { startTestRedis } from '../helpers/redis-server.js';
import { createDistributedTestDispatcher, distributedAgent, startDistributedTestWorker } from '../helpers/distributed-dispatch.js';
import { describeTaskDispatcherContract, type ContractAgents, type DispatcherFixture } from './task-dispatcher-contract.js';

// The same agents as local-dispatcher.test.ts's command and simulated fixtures: in-process agents
// are code in the coordinator and never cross to a worker.
async function queueFixture(agents: ContractAgents, definitions: AgentDefinition[], options: { streamsOutput: boolean; reportsUsage: boolean }): Promise<DispatcherFixture> {
  const redis = await startTestRedis();
  const workspace = mkdtempSync(join(tmpdir(), 'ensemble-queue-contract-'));
  const prefix = 'contract';
  const worker = await startDistributedTestWorker(redis.url, prefix, definitions);
  const dispatcher = createDistributedTestDispatcher(redis.url, prefix, definitions);
  return {
    dispatcher,
    agents,
    workspace,
    ...options,
    close: async () => {
      await dispatcher.close();
      await worker.close({ abort: true });
      await redis.dispose();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

describeTaskDispatcherContract('QueueDispatcher with a worker, simulated agents', () =>
  queueFixture(
    { answers: 'offline', hangs: 'offline-slow', fails: 'missing-runtime' },
    [
      distributedAgent('offline', { runtime: 'simulated' }),
      distributedAgent('offline-slow', { runtime: 'simulated' }),
      distributedAgent('missing-runtime', { runtime: 'command', command: ['ensemble-no-such-program-3f9c'] }),
    ],
    { streamsOutput: false, reportsUsage: true },
  ),
);

describeTaskDispatcherContract('QueueDispatcher with a worker, command agents', () =>
  queueFixture(
    { answers: 'cat-inputs', hangs: 'sleeper', fails: 'exits-3' },
    [
      distributedAgent('cat-inputs', { runtime: 'command', command: ['sh', '-c', 'cat "$ENSEMBLE_INPUTS"'] }),
      distributedAgent('sleeper', { runtime: 'command', command: ['sleep', '60'] }),
      distributedAgent('exits-3', { runtime: 'command', command: ['sh', '-c', 'echo broken >&2; exit 3'] }),
    ],
    { streamsOutput: false, reportsUsage: false },
  ),
);
