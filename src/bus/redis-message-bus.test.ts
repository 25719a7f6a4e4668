import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Logger, RunMessage } from '../core/index.js';
import { startTestRedis } from '../../test/helpers/redis-server.js';
import type { TestRedisServer } from '../../test/helpers/redis-server.js';
import { describeMessageBusContract } from './message-bus.contract.js';
import { RedisMessageBus } from './redis-message-bus.js';
import type { MessageBusConnectionRole } from './redis-message-bus.js';

const quietLogger: Logger = { warn: () => undefined, error: () => undefined };

/** Test connections: no stderr noise, and reconnects every 50 ms at most so a restarted server is found fast. */
function connector(server: TestRedisServer, opened: Map<MessageBusConnectionRole, Redis>): (role: MessageBusConnectionRole) => Redis {
  return (role) => {
    const client = new Redis(server.url, { maxRetriesPerRequest: null, retryStrategy: () => 50 });
    client.on('error', () => undefined);
    opened.set(role, client);
    return client;
  };
}

let settleCount = 0;
const isGone = (client: Redis): boolean => client.status === 'end' || client.status === 'close';

/**
 * Resolves once everything published before it has reached the bus's subscribers: a sentinel
 * published after those messages (publisher connection: one order) is received on the bus's own
 * subscriber connection (one order) after them. Resolves at once when the bus's connections are gone.
 */
async function roundTrip(publisher: Redis, subscriber: Redis): Promise<void> {
  if (isGone(publisher) || isGone(subscriber)) return;
  const channel = `settle-${process.pid}-${++settleCount}`;
  let onMessage: ((name: string) => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const arrived = new Promise<void>((resolve, reject) => {
      onMessage = (name) => {
        if (name === channel) resolve();
      };
      subscriber.on('message', onMessage);
      subscriber.once('end', () => resolve());
      timer = setTimeout(() => reject(new Error(`settle: the sentinel on ${channel} did not come back within 10 s`)), 10_000);
    });
    await subscriber.subscribe(channel);
    await publisher.publish(channel, 'sentinel');
    await arrived;
    await subscriber.unsubscribe(channel);
  } catch (error) {
    // The bus was closed meanwhile (the close test settles across it): nothing more can arrive.
    if (isGone(publisher) || isGone(subscriber)) return;
    throw error;
  } finally {
    clearTimeout(timer);
    if (onMessage !== undefined) subscriber.off('message', onMessage);
  }
}

describe('RedisMessageBus', () => {
  let server: TestRedisServer;
  beforeAll(async () => {
    server = await startTestRedis();
  });
  afterAll(async () => {
    await server.dispose();
  });

  let prefixCount = 0;
  describeMessageBusContract('RedisMessageBus', () => {
    const opened = new Map<MessageBusConnectionRole, Redis>();
    const bus = new RedisMessageBus({ connect: connector(server, opened), prefix: `contract-${++prefixCount}`, logger: quietLogger });
    return { bus, settle: () => roundTrip(opened.get('publisher')!, opened.get('subscriber')!) };
  });

  const buses: RedisMessageBus[] = [];
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((bus) => bus.close()));
  });
  function openBus(prefix: string, logger: Logger = quietLogger): { bus: RedisMessageBus; settle: () => Promise<void>; connections: Map<MessageBusConnectionRole, Redis> } {
    const connections = new Map<MessageBusConnectionRole, Redis>();
    const bus = new RedisMessageBus({ connect: connector(server, connections), prefix, logger });
    buses.push(bus);
    return { bus, connections, settle: () => roundTrip(connections.get('publisher')!, connections.get('subscriber')!) };
  }

  it('delivers between two bus instances on one server (two processes), both ways, on the run channel <prefix>:bus:<runId>', async () => {
    const coordinator = openBus('two-views');
    const worker = openBus('two-views');
    const atCoordinator: string[] = [];
    const atWorker: string[] = [];
    await coordinator.bus.subscribe('run-1', '*', (got) => atCoordinator.push(got.content));
    await worker.bus.subscribe('run-1', { taskId: 'review', agentName: 'reviewer' }, (got) => atWorker.push(got.content));
    const channels = (await worker.connections.get('publisher')!.pubsub('CHANNELS', 'two-views:bus:*')) as string[];
    expect(channels).toEqual(['two-views:bus:run-1']);
    await coordinator.bus.publish(message('run-1', 'review', 'from the coordinator'));
    await worker.bus.publish(message('run-1', '*', 'from the worker'));
    await coordinator.settle();
    await worker.settle();
    expect(atWorker).toEqual(['from the coordinator', 'from the worker']);
    expect(atCoordinator).toEqual(['from the coordinator', 'from the worker']);
  });

  it('resolves waitForResponse in one instance with a response published by another', async () => {
    const asker = openBus('two-views-response');
    const answerer = openBus('two-views-response');
    const waiting = asker.bus.waitForResponse('run-1', 'req-1', { signal: AbortSignal.timeout(10_000) });
    await asker.settle();
    const answer: RunMessage = { ...message('run-1', 'asker', 'the answer'), messageType: 'response', inReplyTo: 'req-1' };
    await answerer.bus.publish(answer);
    await expect(waiting).resolves.toEqual(answer);
  });

  it('logs and drops a payload that is not a valid run message, naming the channel, and goes on delivering', async () => {
    const warnings: string[] = [];
    const { bus, connections, settle } = openBus('invalid', { warn: (text) => warnings.push(text), error: () => undefined });
    const received: string[] = [];
    await bus.subscribe('run-1', '*', (got) => received.push(got.content));
    const publisher = connections.get('publisher')!;
    await publisher.publish('invalid:bus:run-1', 'not json {');
    await publisher.publish('invalid:bus:run-1', JSON.stringify({ ...message('run-1', '*', 'bad type'), messageType: 'gossip' }));
    await publisher.publish('invalid:bus:run-1', JSON.stringify(message('run-other', '*', 'wrong run')));
    await bus.publish(message('run-1', '*', 'valid'));
    await settle();
    expect(received).toEqual(['valid']);
    expect(warnings).toHaveLength(3);
    for (const warning of warnings) expect(warning).toContain('invalid:bus:run-1');
    expect(warnings[0]).toContain('not JSON');
    expect(warnings[1]).toContain('messageType');
    expect(warnings[2]).toContain('run-other');
  });

  it('unsubscribes the run channel in Redis once nobody here listens to the run, and subscribes it again for a new listener', async () => {
    const { bus, connections, settle } = openBus('idle');
    const channelsNow = async (): Promise<string[]> => (await connections.get('publisher')!.pubsub('CHANNELS', 'idle:bus:*')) as string[];
    const unsubscribe = await bus.subscribe('run-1', '*', () => undefined);
    expect(await channelsNow()).toEqual(['idle:bus:run-1']);
    await unsubscribe();
    await settle();
    expect(await channelsNow()).toEqual([]);
    const received: string[] = [];
    // Unsubscribe and subscribe again without waiting in between: Redis must end up subscribed.
    const again = await bus.subscribe('run-1', '*', () => undefined);
    await again();
    await bus.subscribe('run-1', '*', (got) => received.push(got.content));
    await bus.publish(message('run-1', '*', 'still heard'));
    await settle();
    expect(received).toEqual(['still heard']);
    expect(await channelsNow()).toEqual(['idle:bus:run-1']);
  });
});

describe('RedisMessageBus across a Redis restart', () => {
  let server: TestRedisServer | undefined;
  afterEach(async () => {
    await server?.dispose();
    server = undefined;
  });

  it('keeps delivering on its subscription after the server restarts (ioredis subscribes again)', async () => {
    server = await startTestRedis({ appendOnly: true });
    const connections = new Map<MessageBusConnectionRole, Redis>();
    const bus = new RedisMessageBus({ connect: connector(server, connections), prefix: 'restart', logger: quietLogger });
    try {
      const received: string[] = [];
      await bus.subscribe('run-1', { taskId: 'sink', agentName: 'sink' }, (got) => received.push(got.content));
      await bus.publish(message('run-1', 'sink', 'before'));
      await roundTrip(connections.get('publisher')!, connections.get('subscriber')!);
      expect(received).toEqual(['before']);

      await server.stop();
      await server.start();
      // Pub/sub keeps nothing: probe until the resubscribed connection hears one (bounded), then check order.
      const deadline = Date.now() + 15_000;
      let probes = 0;
      while (!received.some((content) => content.startsWith('probe'))) {
        if (Date.now() > deadline) throw new Error(`no message arrived within 15 s of the restart (received: ${received.join(', ')})`);
        await bus.publish(message('run-1', 'sink', `probe ${++probes}`));
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const contents = Array.from({ length: 20 }, (_, index) => `after ${index}`);
      for (const content of contents) await bus.publish(message('run-1', 'sink', content));
      await roundTrip(connections.get('publisher')!, connections.get('subscriber')!);
      expect(received.filter((content) => content.startsWith('after'))).toEqual(contents);
      expect(received[0]).toBe('before');
    } finally {
      await bus.close();
    }
  }, 30_000);
});

let messageCount = 0;
function message(runId: string, to: string, content: string): RunMessage {
  messageCount++;
  return { messageId: `${runId}:sender:1:m${messageCount}`, runId, taskId: 'sender', from: 'writer', to, messageType: to === '*' ? 'broadcast' : 'data', content, at: 1_000 + messageCount };
}
