import type { Redis, RedisOptions } from 'ioredis';

/**
 * Connection options for a BullMQ Worker taken from one of ours: BullMQ's blocking connection must
 * not give up on a command while Redis restarts (`maxRetriesPerRequest: null`), and it refuses a
 * client built otherwise, so the worker gets options and opens (and closes) its own clients.
 */
export function toBullWorkerConnection(redis: Redis): RedisOptions {
  return { ...redis.options, maxRetriesPerRequest: null };
}
