import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/index.js';
import { toStreamItem } from './execution-stream.js';
import type { StreamItem } from './task-job.js';

/** How long one XREAD blocks, in ms: short, so newly followed streams join the read soon. */
const BLOCK_MS = 100;
/** Entries read per stream per turn. */
const READ_COUNT = 500;
const MAX_BACKOFF_MS = 1_000;

interface Follower {
  lastId: string;
  readonly onItem: (item: StreamItem) => void;
}

type XReadReply = [key: string, entries: [id: string, fields: string[]][]][] | null;

/**
 * One loop reading every followed execution stream with a single blocking `XREAD` on its own
 * connection (a run has up to 1,000 executions in flight: one blocking connection each would not
 * do). The set is read afresh each turn; a Redis error is logged, backed off (≤ 1 s) and the loop
 * carries on from the last entry it delivered.
 */
export class StreamReader {
  private readonly followers = new Map<string, Follower>();
  private isClosed = false;
  private wake: (() => void) | undefined;
  private readonly loop: Promise<void>;

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
  ) {
    this.loop = this.run();
  }

  /** Delivers the items of stream `key` from its start, in order, until the returned function is called. */
  follow(key: string, onItem: (item: StreamItem) => void): () => void {
    const follower: Follower = { lastId: '0', onItem };
    this.followers.set(key, follower);
    this.wake?.();
    return () => {
      if (this.followers.get(key) === follower) this.followers.delete(key);
    };
  }

  /** Stops the loop (its connection is the caller's to close). */
  async close(): Promise<void> {
    this.isClosed = true;
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.isClosed) {
      if (this.followers.size === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
        continue;
      }
      const keys = [...this.followers.keys()];
      const ids = keys.map((key) => this.followers.get(key)?.lastId ?? '0');
      let reply: XReadReply;
      try {
        reply = (await this.redis.xread('COUNT', READ_COUNT, 'BLOCK', BLOCK_MS, 'STREAMS', ...keys, ...ids)) as XReadReply;
        if (failures > 0) this.logger.warn(`execution streams readable again after ${failures} failed read(s)`);
        failures = 0;
      } catch (error) {
        if (this.isClosed) return;
        if (failures === 0) this.logger.error('reading execution streams failed; retrying', error);
        failures += 1;
        await sleep(Math.min(100 * 2 ** failures, MAX_BACKOFF_MS));
        continue;
      }
      for (const [key, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          const follower = this.followers.get(key);
          if (follower === undefined) break;
          follower.lastId = id;
          const item = toStreamItem(fields);
          if (item === undefined) {
            this.logger.warn(`skipped an unreadable entry ${id} of ${key}`);
            continue;
          }
          try {
            follower.onItem(item);
          } catch (error) {
            this.logger.error(`applying entry ${id} of ${key} failed`, error);
          }
        }
      }
    }
  }
}
