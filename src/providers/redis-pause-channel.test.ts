import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../core/index.js';
import { startTestRedis } from '../../test/helpers/redis-server.js';
import type { TestRedisServer } from '../../test/helpers/redis-server.js';
import type { ProviderPauseChannel, ProviderPauseNotice } from './provider-pause-channel.js';
import { createRedisPauseChannel } from './redis-pause-channel.js';
import { waitUntil } from '../../test/helpers/wait-until.js';

const quietLogger: Logger = { warn: () => undefined, error: () => undefined };

/** Waits (bounded) until `condition` holds: pub/sub delivery takes a round trip. */
describe('createRedisPauseChannel', () => {
  let server: TestRedisServer;
  let admin: Redis;
  beforeAll(async () => {
    server = await startTestRedis();
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    admin.disconnect();
    await server.dispose();
  });
  const channels: ProviderPauseChannel[] = [];
  afterEach(async () => {
    await Promise.all(channels.splice(0).map((channel) => channel.close()));
  });
  function open(prefix: string, logger: Logger = quietLogger): ProviderPauseChannel {
    const channel = createRedisPauseChannel({ prefix, logger, connect: () => new Redis(server.url, { maxRetriesPerRequest: null }) });
    channels.push(channel);
    return channel;
  }
  const pause = (fields: Partial<ProviderPauseNotice> = {}): ProviderPauseNotice => ({ provider: 'openai', pausedUntil: 50_000, retryAfterMs: 30_000, origin: 'worker-1', ...fields });

  it('publishes on <prefix>:provider-pause and keeps the pause in <prefix>:provider-pause:<provider> for its retry-after', async () => {
    const heard: ProviderPauseNotice[] = [];
    await open('keys').subscribe((got) => heard.push(got));
    await open('keys').publish(pause());
    await waitUntil(() => heard.length === 1, 'the pause is delivered', { timeoutMs: 10_000, intervalMs: 5 });
    expect(heard).toEqual([pause()]);
    expect(JSON.parse((await admin.get('keys:provider-pause:openai'))!)).toEqual(pause());
    const ttlMs = await admin.pttl('keys:provider-pause:openai');
    expect(ttlMs).toBeGreaterThan(0);
    expect(ttlMs).toBeLessThanOrEqual(30_000);
  });

  it('keeps the longer pause in the key when a shorter one is published later, and still publishes both', async () => {
    const heard: ProviderPauseNotice[] = [];
    await open('longest').subscribe((got) => heard.push(got));
    const publisher = open('longest');
    await publisher.publish(pause({ pausedUntil: 60_000, origin: 'long' }));
    await publisher.publish(pause({ pausedUntil: 55_000, retryAfterMs: 100, origin: 'short' }));
    await waitUntil(() => heard.length === 2, 'both pauses are delivered', { timeoutMs: 10_000, intervalMs: 5 });
    expect(heard.map((got) => got.origin)).toEqual(['long', 'short']);
    expect(JSON.parse((await admin.get('longest:provider-pause:openai'))!)).toMatchObject({ origin: 'long', pausedUntil: 60_000 });
  });

  it('hands a late subscriber the pauses kept in Redis, per provider, and nothing of another prefix', async () => {
    const publisher = open('late');
    await publisher.publish(pause({ provider: 'openai' }));
    await publisher.publish(pause({ provider: 'anthropic', origin: 'worker-2' }));
    await open('late-other').publish(pause({ provider: 'google' }));
    const heard: ProviderPauseNotice[] = [];
    await open('late').subscribe((got) => heard.push(got));
    expect(heard.map((got) => got.provider).sort()).toEqual(['anthropic', 'openai']);
  });

  it('logs and drops an invalid notice, naming where it came from, and delivers the valid ones', async () => {
    const warnings: string[] = [];
    await admin.set('invalid:provider-pause:broken', '{"provider":"broken"}', 'PX', 30_000);
    const heard: ProviderPauseNotice[] = [];
    await open('invalid', { warn: (text) => void warnings.push(text), error: () => undefined }).subscribe((got) => heard.push(got));
    expect(warnings).toEqual([expect.stringContaining('invalid:provider-pause:broken')]);
    await admin.publish('invalid:provider-pause', 'not json');
    await admin.publish('invalid:provider-pause', JSON.stringify({ ...pause(), pausedUntil: 'soon' }));
    await open('invalid').publish(pause());
    await waitUntil(() => heard.length === 1, 'the valid pause is delivered', { timeoutMs: 10_000, intervalMs: 5 });
    expect(heard).toEqual([pause()]);
    expect(warnings).toHaveLength(3);
    expect(warnings[1]).toContain('invalid:provider-pause');
    expect(warnings[1]).toContain('not JSON');
    expect(warnings[2]).toContain('pausedUntil');
  });

  it('stops calling a handler once its subscription ended', async () => {
    const kept: ProviderPauseNotice[] = [];
    const ended: ProviderPauseNotice[] = [];
    const channel = open('ended');
    await channel.subscribe((got) => kept.push(got));
    const unsubscribe = await channel.subscribe((got) => ended.push(got));
    await unsubscribe();
    await open('ended').publish(pause());
    await waitUntil(() => kept.length === 1, 'the kept subscription hears the pause', { timeoutMs: 10_000, intervalMs: 5 });
    expect(ended).toEqual([]);
  });
});
