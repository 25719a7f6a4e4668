import type { Logger } from '../core/index.js';
import { stderrLogger } from '../host/index.js';

/** A provider paused by a 429 in one governor, as told to the others. */
export interface ProviderPauseNotice {
  readonly provider: string;
  /** Epoch ms until which no call to the provider should start. */
  readonly pausedUntil: number;
  /** The wait the provider asked for (retry-after, or the backoff), in ms. */
  readonly retryAfterMs: number;
  /** The governor that got the 429; a governor ignores its own notices. */
  readonly origin: string;
}

/**
 * Carries rate-limit pauses between the governors of a fleet (one per process), so a 429 in one
 * worker slows every caller of that provider. Delivery is at least once: a notice may arrive
 * twice (live, and read back by a late subscriber), so a receiver keeps the later `pausedUntil`.
 */
export interface ProviderPauseChannel {
  /** Tells every subscriber (including the publisher's own) about a pause. */
  publish(pause: ProviderPauseNotice): Promise<void>;
  /**
   * Calls `handler` for every pause published after the returned promise resolves, and, before it
   * resolves, for pauses published earlier that may still be in force. Resolves with the function
   * that ends the subscription.
   */
  subscribe(handler: (pause: ProviderPauseNotice) => void): Promise<() => Promise<void>>;
  /** Ends every subscription and frees what the channel holds; later publishes are dropped. Idempotent. */
  close(): Promise<void>;
}

/** Options of {@link createMemoryPauseChannel}. */
export interface MemoryPauseChannelOptions {
  /** Where a handler that throws is reported. @default stderrLogger */
  readonly logger?: Logger;
}

/**
 * The {@link ProviderPauseChannel} of one process: links its governors (handlers are called
 * synchronously). It remembers the latest pause per provider, so a governor that subscribes later
 * learns one still in force (the receiver drops those already over).
 */
export function createMemoryPauseChannel(options: MemoryPauseChannelOptions = {}): ProviderPauseChannel {
  const logger = options.logger ?? stderrLogger;
  const handlers = new Set<(pause: ProviderPauseNotice) => void>();
  const latest = new Map<string, ProviderPauseNotice>();
  let isClosed = false;
  const deliver = (handler: (pause: ProviderPauseNotice) => void, pause: ProviderPauseNotice): void => {
    try {
      handler(pause);
    } catch (error) {
      logger.error(`provider pause channel: a subscriber failed on the pause of ${pause.provider}`, error);
    }
  };
  return {
    publish(pause) {
      if (isClosed) return Promise.resolve();
      const known = latest.get(pause.provider);
      if (known === undefined || known.pausedUntil < pause.pausedUntil) latest.set(pause.provider, pause);
      // A snapshot: a handler subscribing from inside one starts with the next pause.
      for (const handler of [...handlers]) deliver(handler, pause);
      return Promise.resolve();
    },
    subscribe(handler) {
      if (isClosed) return Promise.resolve(() => Promise.resolve());
      for (const pause of latest.values()) deliver(handler, pause);
      handlers.add(handler);
      return Promise.resolve(() => {
        handlers.delete(handler);
        return Promise.resolve();
      });
    },
    close() {
      isClosed = true;
      handlers.clear();
      latest.clear();
      return Promise.resolve();
    },
  };
}
