import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRedisConnector } from '../../src/distributed/index.js';
import { createRedisBudgetLedger, seedRedisBudget } from '../../src/distributed/redis-budget-ledger.js';
import { startTestRedis, type TestRedisServer } from '../helpers/redis-server.js';
import { describeBudgetPortContract } from './budget-port-contract.js';

let server: TestRedisServer;
let runs = 0;

beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => {
  await server.dispose();
});

// Two ledgers of one run, each with its own connection: two workers sharing the run's budget.
describeBudgetPortContract('RedisBudgetLedger (two workers)', async (caps, spent) => {
  const connect = createRedisConnector(server.url);
  const scope = { connect, prefix: `budget-contract-${++runs}`, runId: `run-${runs}` };
  if (spent !== undefined) await seedRedisBudget({ ...scope, spent });
  const port = createRedisBudgetLedger({ ...scope, caps, pollMs: 20 });
  const second = createRedisBudgetLedger({ ...scope, caps, pollMs: 20 });
  return {
    port,
    second,
    dispose: async () => {
      await Promise.all([port.close(), second.close()]);
    },
  };
});

describe('RedisBudgetLedger across a Redis restart', () => {
  it('keeps committed spend through a restart of Redis with AOF, and goes on holding the cap', async () => {
    const durable = await startTestRedis({ appendOnly: true });
    const connect = createRedisConnector(durable.url);
    const scope = { connect, runId: 'restarted', caps: { run: { tokens: 100, costUsd: 1 } }, pollMs: 20 };
    const ledger = createRedisBudgetLedger(scope);
    try {
      const hold = await ledger.reserve({ taskId: 'a', agentName: 'x', tokens: 50, costUsd: 0.5 }, { signal: AbortSignal.timeout(5_000) });
      hold.commit({ tokens: 40, costUsd: 0.25 });
      expect(await ledger.spent('run')).toEqual({ tokens: 40, costUsd: 0.25 });
      // SIGKILL: nothing is written at shutdown; only what the AOF already holds comes back.
      await durable.kill();
      await durable.start();
      const fresh = createRedisBudgetLedger(scope);
      try {
        expect(await fresh.spent('task', 'a')).toEqual({ tokens: 40, costUsd: 0.25 });
        await expect(fresh.reserve({ taskId: 'b', agentName: 'x', tokens: 61, costUsd: 0 }, { signal: AbortSignal.timeout(5_000) })).rejects.toMatchObject({
          code: 'BUDGET_EXCEEDED',
          details: { cap: 'run', committed: { tokens: 40, costUsd: 0.25 } },
        });
      } finally {
        await fresh.close();
      }
      // The first ledger's connection finds the restarted server again and its scripts are loaded anew.
      await vi.waitFor(async () => expect(await ledger.spent('run')).toEqual({ tokens: 40, costUsd: 0.25 }), { timeout: 5_000, interval: 50 });
      (await ledger.reserve({ taskId: 'c', agentName: 'x', tokens: 60, costUsd: 0.75 }, { signal: AbortSignal.timeout(5_000) })).release();
    } finally {
      await ledger.close();
      await durable.dispose();
    }
  });
});
