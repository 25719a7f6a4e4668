import type { Redis } from 'ioredis';
import { EnsembleError } from '../core/index.js';
import type { Logger, MessageBus, MessageRecipient, RunMessage } from '../core/index.js';
import { quitRedis, stderrLogger } from '../host/index.js';
import { runMessageSchema } from './schema.js';
import { addResponseWaiter, busClosedError, deliverToListeners, endListeners, type BusSubscription, type RunListeners } from './bus-subscription.js';

/** Which of its two connections the bus is opening: publishes keep their order on one, subscriptions need their own. */
export type MessageBusConnectionRole = 'publisher' | 'subscriber';

/** Options of {@link RedisMessageBus}. */
export interface RedisMessageBusOptions {
  /** Opens a new connection; called once per role. The bus owns what it returns and quits it on `close()`. */
  readonly connect: (role: MessageBusConnectionRole) => Redis;
  /** Start of every channel name: a run's channel is `<prefix>:bus:<runId>`. @default 'ensemble' */
  readonly prefix?: string;
  /** Where invalid messages, failing subscribers and (when `connect` does not listen for them) connection errors are reported. @default stderrLogger */
  readonly logger?: Logger;
}

/** One run's local listeners, and the SUBSCRIBE that feeds them. */
interface RunChannel extends RunListeners {
  readonly runId: string;
  /** Settles when Redis acknowledged the SUBSCRIBE of this channel. */
  readonly subscribed: Promise<void>;
}

/**
 * The {@link MessageBus} across processes: one Redis pub/sub channel per run. Publishes go out on
 * one connection, so they keep their order; one subscriber connection carries every run this
 * process listens to (ioredis subscribes again after a reconnect). Messages are JSON, validated
 * on receipt; an invalid one is logged and dropped. Pub/sub does not keep messages: one published
 * while a subscriber is disconnected is lost to it, and the journal stays the record.
 */
export class RedisMessageBus implements MessageBus {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly prefix: string;
  private readonly logger: Logger;
  /** Channel name → run channel. */
  private readonly channels = new Map<string, RunChannel>();
  private closing: Promise<void> | undefined;

  constructor(options: RedisMessageBusOptions) {
    this.prefix = options.prefix ?? 'ensemble';
    this.logger = options.logger ?? stderrLogger;
    this.publisher = this.open(options.connect, 'publisher');
    this.subscriber = this.open(options.connect, 'subscriber');
    this.subscriber.on('message', (channel: string, text: string) => this.receive(channel, text));
  }

  async publish(message: RunMessage): Promise<void> {
    if (this.closing !== undefined) throw busClosedError(`publish message ${message.messageId} of run ${message.runId}`);
    await this.publisher.publish(this.channelName(message.runId), JSON.stringify(message));
  }

  async subscribe(runId: string, recipient: MessageRecipient | '*', handler: (message: RunMessage) => void): Promise<() => Promise<void>> {
    if (this.closing !== undefined) throw busClosedError(`subscribe to run ${runId}`);
    const channel = this.channelOf(runId);
    const subscription: BusSubscription = { recipient, handler, isActive: true };
    channel.subscriptions.add(subscription);
    const unsubscribe = (): Promise<void> => {
      if (!subscription.isActive) return Promise.resolve();
      subscription.isActive = false;
      channel.subscriptions.delete(subscription);
      return this.dropIfIdle(channel);
    };
    try {
      await channel.subscribed;
    } catch (error) {
      await unsubscribe();
      throw this.closing === undefined ? new EnsembleError('INTERNAL', `message bus: could not subscribe to run ${runId}`, { cause: error }) : busClosedError(`subscribe to run ${runId}`);
    }
    if (this.closing !== undefined) throw busClosedError(`subscribe to run ${runId}`);
    return unsubscribe;
  }

  waitForResponse(runId: string, requestId: string, options: { readonly signal: AbortSignal }): Promise<RunMessage> {
    const { signal } = options;
    if (this.closing !== undefined) return Promise.reject(busClosedError(`wait for the response to ${requestId}`));
    if (signal.aborted) return Promise.reject(signal.reason);
    const channel = this.channelOf(runId);
    const { response, waiter } = addResponseWaiter(channel, requestId, signal, () => void this.dropIfIdle(channel));
    channel.subscribed.catch((error: unknown) => {
      if (channel.waiters.has(waiter)) waiter.reject(this.closing === undefined ? new EnsembleError('INTERNAL', `message bus: could not subscribe to run ${runId}`, { cause: error }) : busClosedError(`wait for the response to ${requestId}`));
    });
    return response;
  }

  /** Ends every subscription, rejects every waiter and quits both connections; later calls are refused. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    const channels = [...this.channels.values()];
    this.channels.clear();
    for (const channel of channels) endListeners(channel);
    await Promise.all([quitRedis(this.publisher), quitRedis(this.subscriber)]);
  }

  private open(connect: (role: MessageBusConnectionRole) => Redis, role: MessageBusConnectionRole): Redis {
    const client = connect(role);
    // Without any listener ioredis prints every failed reconnect; a connector that logs them itself is left to it.
    if (client.listenerCount('error') === 0) {
      let lastMessage: string | undefined;
      client.on('error', (error: Error) => {
        if (error.message === lastMessage) return;
        lastMessage = error.message;
        this.logger.warn(`message bus (${role}): ${error.message}`);
      });
      client.on('ready', () => (lastMessage = undefined));
    }
    return client;
  }

  private channelName(runId: string): string {
    return `${this.prefix}:bus:${runId}`;
  }

  private channelOf(runId: string): RunChannel {
    const name = this.channelName(runId);
    let channel = this.channels.get(name);
    if (channel === undefined) {
      // A SUBSCRIBE sent after an UNSUBSCRIBE of the same channel is served after it: one connection, one order.
      const subscribed = this.subscriber.subscribe(name).then(() => undefined);
      subscribed.catch(() => undefined);
      channel = { runId, subscriptions: new Set(), waiters: new Set(), subscribed };
      this.channels.set(name, channel);
    }
    return channel;
  }

  /** Forgets a run nobody here listens to any more and unsubscribes its channel, so a long-lived bus does not grow with every run. */
  private async dropIfIdle(channel: RunChannel): Promise<void> {
    const name = this.channelName(channel.runId);
    if (channel.subscriptions.size > 0 || channel.waiters.size > 0 || this.channels.get(name) !== channel) return;
    this.channels.delete(name);
    if (this.closing !== undefined) return;
    // Sent now, not after the SUBSCRIBE's reply: a later SUBSCRIBE of the same run must reach Redis after it.
    try {
      await this.subscriber.unsubscribe(name);
    } catch {
      // The connection is gone: nothing is left to end.
    }
  }

  private receive(channelName: string, text: string): void {
    const channel = this.channels.get(channelName);
    // Not a run this process listens to (any more).
    if (channel === undefined) return;
    const message = this.parse(channelName, channel.runId, text);
    if (message === undefined) return;
    deliverToListeners(channel, message, (error) => this.logger.error(`message bus: a subscriber of run ${channel.runId} failed on message ${message.messageId}`, error));
  }

  private parse(channelName: string, runId: string, text: string): RunMessage | undefined {
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      this.logger.warn(`message bus: dropped a message on ${channelName} that is not JSON: ${text.slice(0, 200)}`);
      return undefined;
    }
    const parsed = runMessageSchema.safeParse(payload);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`).join('; ');
      this.logger.warn(`message bus: dropped an invalid message on ${channelName}: ${issues}`);
      return undefined;
    }
    if (parsed.data.runId !== runId) {
      this.logger.warn(`message bus: dropped message ${parsed.data.messageId} on ${channelName}: it belongs to run ${parsed.data.runId}`);
      return undefined;
    }
    return parsed.data;
  }
}



