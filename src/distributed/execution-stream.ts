import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from '../core/index.js';
import { parseStreamItem, type StreamItem, type TerminalItem } from './task-job.js';

/** Entries an execution stream keeps (approximately): an agent streaming for hours must not fill Redis. */
export const STREAM_MAX_LENGTH = 10_000;

/** Seconds an execution stream lives once terminal: long enough for a coordinator that died to resume and read it. */
export const TERMINAL_STREAM_TTL_SECONDS = 86_400;

/** The field of a stream entry that holds the item's JSON. */
const ITEM_FIELD = 'item';

const MAX_WRITE_TRIES = 12;

/** The item of one stream entry's fields (`['item', json]`), or undefined when it is not one of ours. */
export function toStreamItem(fields: readonly string[]): StreamItem | undefined {
  const index = fields.indexOf(ITEM_FIELD);
  const json = index >= 0 && index % 2 === 0 ? fields[index + 1] : undefined;
  if (json === undefined) return undefined;
  try {
    return parseStreamItem(JSON.parse(json));
  } catch {
    return undefined;
  }
}

/**
 * Appends the items of one execution to its stream, in the order given: items appended together
 * go out in one transaction, batches one after another. A batch that fails (Redis restarting) is
 * tried again with backoff, up to ~10 s, then dropped with an error logged.
 */
export class ExecutionStreamWriter {
  private pending: string[] = [];
  private isScheduled = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly logger: Logger,
  ) {}

  /** Queues an item; it is written after every item appended before it. */
  append(item: StreamItem): void {
    this.pending.push(JSON.stringify(item));
    if (this.isScheduled) return;
    this.isScheduled = true;
    this.chain = this.chain.then(() => {
      this.isScheduled = false;
      return this.writeBatch(this.pending.splice(0));
    });
  }

  /** Resolves once every item appended so far is written (or given up on). */
  flushed(): Promise<void> {
    return this.chain;
  }

  /** Writes the terminal item after everything before it and sets the stream's expiry; resolves with whether it was written. */
  async finish(item: TerminalItem): Promise<boolean> {
    await this.flushed();
    const json = JSON.stringify(item);
    for (let tries = 1; ; tries++) {
      try {
        await this.redis.multi().xadd(this.key, 'MAXLEN', '~', String(STREAM_MAX_LENGTH), '*', ITEM_FIELD, json).expire(this.key, TERMINAL_STREAM_TTL_SECONDS).exec();
        return true;
      } catch (error) {
        if (tries >= MAX_WRITE_TRIES) {
          this.logger.error(`could not write the end of ${this.key}`, error);
          return false;
        }
        await sleep(Math.min(100 * 2 ** tries, 1_000));
      }
    }
  }

  private async writeBatch(batch: readonly string[]): Promise<void> {
    if (batch.length === 0) return;
    for (let tries = 1; ; tries++) {
      try {
        // MULTI: a batch is written whole or not at all, so a retry never duplicates part of it.
        const pipeline = this.redis.multi();
        for (const json of batch) pipeline.xadd(this.key, 'MAXLEN', '~', String(STREAM_MAX_LENGTH), '*', ITEM_FIELD, json);
        const results = (await pipeline.exec()) ?? [];
        const failed = results.find(([error]) => error !== null);
        if (failed !== undefined) throw failed[0];
        return;
      } catch (error) {
        if (tries >= MAX_WRITE_TRIES) {
          this.logger.error(`dropped ${batch.length} item(s) of ${this.key}`, error);
          return;
        }
        await sleep(Math.min(100 * 2 ** tries, 1_000));
      }
    }
  }
}
