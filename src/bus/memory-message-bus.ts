import { EnsembleError } from '../core/index.js';
import type { Logger, MessageBus, MessageRecipient, RunMessage } from '../core/index.js';
import { stderrLogger } from '../host/index.js';
import { receives, type BusSubscription, type ResponseWaiter } from './bus-subscription.js';

/** Options of {@link MemoryMessageBus}. */
export interface MemoryMessageBusOptions {
  /** Where a subscriber that throws is reported (delivery to the others goes on). @default stderrLogger */
  readonly logger?: Logger;
}

/** One run's subscribers, waiters and the messages not yet delivered. */
interface RunChannel {
  readonly subscriptions: Set<BusSubscription>;
  readonly waiters: Set<ResponseWaiter>;
  readonly pending: RunMessage[];
  isDelivering: boolean;
}

/**
 * The {@link MessageBus} of one process: subscribers are called synchronously, in publish order per
 * run. A message published from inside a handler waits until the current one has reached every
 * subscriber, so all subscribers of a run see the same order. A handler that throws is logged and
 * the others still get the message.
 */
export class MemoryMessageBus implements MessageBus {
  private readonly logger: Logger;
  private readonly channels = new Map<string, RunChannel>();
  private isClosed = false;

  constructor(options: MemoryMessageBusOptions = {}) {
    this.logger = options.logger ?? stderrLogger;
  }

  publish(message: RunMessage): Promise<void> {
    if (this.isClosed) return Promise.reject(closedError(`publish message ${message.messageId} of run ${message.runId}`));
    const channel = this.channels.get(message.runId);
    // Nobody listens to this run: nothing to deliver, nothing to keep (the journal is the record).
    if (channel === undefined) return Promise.resolve();
    channel.pending.push(message);
    if (!channel.isDelivering) this.drain(message.runId, channel);
    return Promise.resolve();
  }

  subscribe(runId: string, recipient: MessageRecipient | '*', handler: (message: RunMessage) => void): Promise<() => Promise<void>> {
    if (this.isClosed) return Promise.reject(closedError(`subscribe to run ${runId}`));
    const channel = this.channelOf(runId);
    const subscription: BusSubscription = { recipient, handler, isActive: true };
    channel.subscriptions.add(subscription);
    const unsubscribe = (): Promise<void> => {
      subscription.isActive = false;
      channel.subscriptions.delete(subscription);
      this.dropIfIdle(runId, channel);
      return Promise.resolve();
    };
    return Promise.resolve(unsubscribe);
  }

  waitForResponse(runId: string, requestId: string, options: { readonly signal: AbortSignal }): Promise<RunMessage> {
    const { signal } = options;
    if (this.isClosed) return Promise.reject(closedError(`wait for the response to ${requestId}`));
    if (signal.aborted) return Promise.reject(signal.reason);
    const channel = this.channelOf(runId);
    return new Promise<RunMessage>((resolve, reject) => {
      const finish = (): void => {
        signal.removeEventListener('abort', onAbort);
        channel.waiters.delete(waiter);
        this.dropIfIdle(runId, channel);
      };
      const waiter: ResponseWaiter = {
        requestId,
        resolve: (message) => {
          finish();
          resolve(message);
        },
        reject: (reason) => {
          finish();
          reject(reason);
        },
      };
      const onAbort = (): void => waiter.reject(signal.reason);
      channel.waiters.add(waiter);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Ends every subscription and rejects every waiter; later calls are refused. Idempotent. */
  close(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    this.isClosed = true;
    const channels = [...this.channels.values()];
    this.channels.clear();
    for (const channel of channels) {
      for (const subscription of channel.subscriptions) subscription.isActive = false;
      channel.subscriptions.clear();
      channel.pending.length = 0;
      for (const waiter of [...channel.waiters]) waiter.reject(closedError(`wait for the response to ${waiter.requestId}`));
    }
    return Promise.resolve();
  }

  private channelOf(runId: string): RunChannel {
    let channel = this.channels.get(runId);
    if (channel === undefined) {
      channel = { subscriptions: new Set(), waiters: new Set(), pending: [], isDelivering: false };
      this.channels.set(runId, channel);
    }
    return channel;
  }

  /** Forgets a run nobody listens to any more, so a long-lived bus does not grow with every run. */
  private dropIfIdle(runId: string, channel: RunChannel): void {
    if (channel.subscriptions.size === 0 && channel.waiters.size === 0 && !channel.isDelivering && this.channels.get(runId) === channel) {
      this.channels.delete(runId);
    }
  }

  private drain(runId: string, channel: RunChannel): void {
    channel.isDelivering = true;
    try {
      for (let message = channel.pending.shift(); message !== undefined; message = channel.pending.shift()) {
        // A snapshot: subscribing from a handler starts with the next message.
        for (const subscription of [...channel.subscriptions]) {
          if (!subscription.isActive || !receives(subscription.recipient, message)) continue;
          try {
            subscription.handler(message);
          } catch (error) {
            this.logger.error(`message bus: a subscriber of run ${runId} failed on message ${message.messageId}`, error);
          }
        }
        if (message.messageType !== 'response' || message.inReplyTo === undefined) continue;
        for (const waiter of [...channel.waiters]) if (waiter.requestId === message.inReplyTo) waiter.resolve(message);
      }
    } finally {
      channel.isDelivering = false;
      this.dropIfIdle(runId, channel);
    }
  }
}


function closedError(action: string): EnsembleError {
  return new EnsembleError('INTERNAL', `message bus is closed: cannot ${action}`, { details: { reason: 'bus-closed' } });
}
