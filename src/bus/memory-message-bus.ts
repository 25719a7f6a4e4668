import type { Logger, MessageBus, MessageRecipient, RunMessage } from '../core/index.js';
import { stderrLogger } from '../host/index.js';
import { addResponseWaiter, busClosedError, deliverToListeners, endListeners, type BusSubscription, type RunListeners } from './bus-subscription.js';

/** Options of {@link MemoryMessageBus}. */
export interface MemoryMessageBusOptions {
  /** Where a subscriber that throws is reported (delivery to the others goes on). @default stderrLogger */
  readonly logger?: Logger;
}

/** One run's subscribers, waiters and the messages not yet delivered. */
interface RunChannel extends RunListeners {
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
    if (this.isClosed) return Promise.reject(busClosedError(`publish message ${message.messageId} of run ${message.runId}`));
    const channel = this.channels.get(message.runId);
    // Nobody listens to this run: nothing to deliver, nothing to keep (the journal is the record).
    if (channel === undefined) return Promise.resolve();
    channel.pending.push(message);
    if (!channel.isDelivering) this.drain(message.runId, channel);
    return Promise.resolve();
  }

  subscribe(runId: string, recipient: MessageRecipient | '*', handler: (message: RunMessage) => void): Promise<() => Promise<void>> {
    if (this.isClosed) return Promise.reject(busClosedError(`subscribe to run ${runId}`));
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
    if (this.isClosed) return Promise.reject(busClosedError(`wait for the response to ${requestId}`));
    if (signal.aborted) return Promise.reject(signal.reason);
    const channel = this.channelOf(runId);
    return addResponseWaiter(channel, requestId, signal, () => this.dropIfIdle(runId, channel)).response;
  }

  /** Ends every subscription and rejects every waiter; later calls are refused. Idempotent. */
  close(): Promise<void> {
    if (this.isClosed) return Promise.resolve();
    this.isClosed = true;
    const channels = [...this.channels.values()];
    this.channels.clear();
    for (const channel of channels) {
      channel.pending.length = 0;
      endListeners(channel);
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
        const delivered = message;
        deliverToListeners(channel, delivered, (error) => this.logger.error(`message bus: a subscriber of run ${runId} failed on message ${delivered.messageId}`, error));
      }
    } finally {
      channel.isDelivering = false;
      this.dropIfIdle(runId, channel);
    }
  }
}

