import type { Redis } from 'ioredis';
import type { Logger } from '../core/index.js';
import { quitRedis, stderrLogger } from '../host/index.js';
import type { ProviderPauseChannel, ProviderPauseNotice } from './provider-pause-channel.js';
import { providerPauseNoticeSchema } from './schema.js';

/** Which connection the channel is opening: commands (SET, PUBLISH, SCAN) on one, SUBSCRIBE on its own. */
export type PauseChannelConnectionRole = 'publisher' | 'subscriber';

/** Options of {@link createRedisPauseChannel}. */
export interface RedisPauseChannelOptions {
  /** Opens a new connection; called once per role (the subscriber only when someone subscribes). The channel quits them on `close()`. */
  readonly connect: (role: PauseChannelConnectionRole) => Redis;
  /** Start of the channel and key names: `<prefix>:provider-pause`, `<prefix>:provider-pause:<provider>`. @default 'ensemble' */
  readonly prefix?: string;
  /** Where invalid notices and failing handlers are reported. @default stderrLogger */
  readonly logger?: Logger;
}

// Keeps the longest pause in force in the key (a shorter one published later must not cut it
// short for late subscribers), and publishes every pause: receivers keep the later end themselves.
const PUBLISH_PAUSE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
local keep = false
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and tonumber(decoded.pausedUntil) ~= nil and tonumber(decoded.pausedUntil) >= tonumber(ARGV[2]) then
    keep = true
  end
end
if not keep then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3]) end
return redis.call('PUBLISH', ARGV[4], ARGV[1])
`;

/**
 * The {@link ProviderPauseChannel} of a fleet: PUBLISHes each pause on `<prefix>:provider-pause`
 * and keeps it in `<prefix>:provider-pause:<provider>` for its retry-after (PX), so a governor that
 * subscribes during a pause reads it on subscribe. Notices are JSON, validated on receipt; an
 * invalid one is logged and dropped. ioredis subscribes again after a reconnect; a pause published
 * while a subscriber was away reaches it only through a later subscribe.
 */
export function createRedisPauseChannel(options: RedisPauseChannelOptions): ProviderPauseChannel {
  return new RedisPauseChannel(options);
}

class RedisPauseChannel implements ProviderPauseChannel {
  private readonly connect: (role: PauseChannelConnectionRole) => Redis;
  private readonly logger: Logger;
  private readonly channelName: string;
  private readonly keyPrefix: string;
  private readonly publisher: Redis;
  private subscriber: Redis | undefined;
  private subscribed: Promise<void> | undefined;
  private readonly handlers = new Set<(pause: ProviderPauseNotice) => void>();
  private closing: Promise<void> | undefined;

  constructor(options: RedisPauseChannelOptions) {
    const prefix = options.prefix ?? 'ensemble';
    this.connect = options.connect;
    this.logger = options.logger ?? stderrLogger;
    this.channelName = `${prefix}:provider-pause`;
    this.keyPrefix = `${prefix}:provider-pause:`;
    this.publisher = this.open('publisher');
  }

  async publish(pause: ProviderPauseNotice): Promise<void> {
    if (this.closing !== undefined) return;
    // PX must be a positive integer; a pause of 0 ms needs no memory, but one ms is harmless.
    const keepMs = Math.max(1, Math.ceil(pause.retryAfterMs));
    await this.publisher.eval(PUBLISH_PAUSE_SCRIPT, 1, this.keyPrefix + pause.provider, JSON.stringify(pause), String(pause.pausedUntil), String(keepMs), this.channelName);
  }

  async subscribe(handler: (pause: ProviderPauseNotice) => void): Promise<() => Promise<void>> {
    if (this.closing !== undefined) return () => Promise.resolve();
    // Listening before reading the keys: a pause published in between arrives live (at worst twice).
    this.handlers.add(handler);
    const unsubscribe = (): Promise<void> => {
      this.handlers.delete(handler);
      return Promise.resolve();
    };
    try {
      await this.ensureSubscribed();
      for (const pause of await this.readPausesInForce()) this.deliver(handler, pause);
    } catch (error) {
      await unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  close(): Promise<void> {
    this.closing ??= this.shutDown();
    return this.closing;
  }

  private async shutDown(): Promise<void> {
    this.handlers.clear();
    await Promise.all([quitRedis(this.publisher), this.subscriber === undefined ? Promise.resolve() : quitRedis(this.subscriber)]);
  }

  private open(role: PauseChannelConnectionRole): Redis {
    const client = this.connect(role);
    // Without any listener ioredis prints every failed reconnect; a connector that logs them itself is left to it.
    if (client.listenerCount('error') === 0) {
      let lastMessage: string | undefined;
      client.on('error', (error: Error) => {
        if (error.message === lastMessage) return;
        lastMessage = error.message;
        this.logger.warn(`provider pause channel (${role}): ${error.message}`);
      });
      client.on('ready', () => (lastMessage = undefined));
    }
    return client;
  }

  private ensureSubscribed(): Promise<void> {
    if (this.subscribed === undefined) {
      const subscriber = this.open('subscriber');
      this.subscriber = subscriber;
      subscriber.on('message', (channel: string, text: string) => {
        if (channel !== this.channelName) return;
        const pause = this.parse(text, channel);
        if (pause === undefined) return;
        for (const handler of [...this.handlers]) this.deliver(handler, pause);
      });
      this.subscribed = subscriber.subscribe(this.channelName).then(() => undefined);
      // A failed SUBSCRIBE is retried by the next subscriber.
      this.subscribed.catch(() => (this.subscribed = undefined));
    }
    return this.subscribed;
  }

  /** The pauses kept in Redis now (each key expires with its pause). */
  private async readPausesInForce(): Promise<ProviderPauseNotice[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = await this.publisher.scan(cursor, 'MATCH', `${escapeGlob(this.keyPrefix)}*`, 'COUNT', 100);
      cursor = next;
      keys.push(...found);
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await this.publisher.mget(...keys);
    const pauses: ProviderPauseNotice[] = [];
    for (const [index, value] of values.entries()) {
      if (value === null) continue;
      const pause = this.parse(value, keys[index]!);
      if (pause !== undefined) pauses.push(pause);
    }
    return pauses;
  }

  private parse(text: string, source: string): ProviderPauseNotice | undefined {
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      this.logger.warn(`provider pause channel: dropped a notice on ${source} that is not JSON: ${text.slice(0, 200)}`);
      return undefined;
    }
    const parsed = providerPauseNoticeSchema.safeParse(payload);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(notice)'}: ${issue.message}`).join('; ');
      this.logger.warn(`provider pause channel: dropped an invalid notice on ${source}: ${issues}`);
      return undefined;
    }
    return parsed.data;
  }

  private deliver(handler: (pause: ProviderPauseNotice) => void, pause: ProviderPauseNotice): void {
    try {
      handler(pause);
    } catch (error) {
      this.logger.error(`provider pause channel: a subscriber failed on the pause of ${pause.provider}`, error);
    }
  }
}

/** A key prefix as a literal in a SCAN pattern. */
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, (character) => `\\${character}`);
}

