import { afterAll, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import { createRedisLeaseGuard } from '../../src/distributed/redis-lease-guard.js';
import { createRedisLeaseTable } from '../../src/distributed/redis-lease-table.js';
import { startTestRedis, type TestRedisServer } from '../helpers/redis-server.js';
import { describeLeaseGuardContract } from './lease-guard-contract.js';

// The guard a task's tools get when the lease table lives in Redis (`--redis`): a real redis-server,
// each owner's guard on its own table and connection, as on separate machines.
let server: TestRedisServer;
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => {
  await server.dispose();
});

let fixtures = 0;

describeLeaseGuardContract('Redis lease guard', ({ now, ttlMs }) => {
  // A fresh prefix per test: one server, no table shared between tests.
  const prefix = `lease-contract-${++fixtures}`;
  const connect = (): Redis => new Redis(server.url, { maxRetriesPerRequest: 1 });
  const tables = [createRedisLeaseTable({ connect, prefix })];
  const [admin] = tables;
  return {
    async guardFor(owner, patterns) {
      const [runId = 'run', ticketId = 'T-0'] = owner.split(':');
      const table = createRedisLeaseTable({ connect, prefix });
      tables.push(table);
      if (patterns.length > 0) {
        const granted = await table.acquire({ owner, runId, taskId: ticketId, ticketId, member: `dev-${ticketId}`, patterns: [...patterns], ttlMs }, now());
        if (!granted.ok) throw new Error(`fixture: could not lease ${patterns.join(', ')}`);
      }
      return createRedisLeaseGuard({ table, owner, runId, taskId: ticketId, ticketId, member: `dev-${ticketId}`, ttlMs, now, granted: patterns });
    },
    async release(owner) {
      await admin?.release(owner);
    },
    async close() {
      await Promise.all(tables.map((table) => table.close()));
    },
  };
});
