import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import type { Logger } from '../../src/core/index.js';
import { createMemoryPauseChannel, createRedisPauseChannel } from '../../src/providers/index.js';
import type { ProviderPauseChannel } from '../../src/providers/index.js';
import { startTestRedis } from '../helpers/redis-server.js';
import type { TestRedisServer } from '../helpers/redis-server.js';
import { describeProviderPauseContract } from './provider-pause-contract.js';

const quietLogger: Logger = { warn: () => undefined, error: () => undefined };

describeProviderPauseContract('memory (governors of one process)', () => {
  const channel = createMemoryPauseChannel({ logger: quietLogger });
  return { openChannel: () => channel, dispose: () => channel.close() };
});

let server: TestRedisServer;
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => {
  await server.dispose();
});

let prefixCount = 0;
describeProviderPauseContract('Redis (one channel per process, one server)', () => {
  // A prefix per test: the keys of one test's pauses must not reach the next test's governors.
  const prefix = `pauses-${++prefixCount}`;
  const channels: ProviderPauseChannel[] = [];
  return {
    openChannel: () => {
      const channel = createRedisPauseChannel({
        prefix,
        logger: quietLogger,
        connect: () => {
          const client = new Redis(server.url, { maxRetriesPerRequest: null });
          client.on('error', () => undefined);
          return client;
        },
      });
      channels.push(channel);
      return channel;
    },
    dispose: async () => {
      await Promise.all(channels.map((channel) => channel.close()));
    },
  };
});
