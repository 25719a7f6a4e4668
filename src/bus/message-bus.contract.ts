import { afterEach, describe, expect, it } from 'vitest';
import type { MessageBus, MessageType, RunMessage } from '../core/index.js';

/** What a contract test needs from an implementation: a fresh bus, and a way to let its deliveries arrive. */
export interface MessageBusFixture {
  readonly bus: MessageBus;
  /** Resolves once every message published so far has reached its subscribers (a Redis bus delivers asynchronously). @default a macrotask */
  readonly settle?: () => Promise<void>;
  /** Frees what the fixture holds besides the bus (a Redis server). */
  readonly dispose?: () => Promise<void>;
}

const RUN = 'run-contract';

let sequence = 0;
function message(fields: { readonly to: string; readonly runId?: string; readonly messageType?: MessageType; readonly content?: string; readonly inReplyTo?: string; readonly from?: string }): RunMessage {
  sequence++;
  return {
    messageId: `${fields.runId ?? RUN}:sender:1:m${sequence}`,
    runId: fields.runId ?? RUN,
    taskId: 'sender',
    from: fields.from ?? 'writer',
    to: fields.to,
    messageType: fields.messageType ?? (fields.to === '*' ? 'broadcast' : 'data'),
    content: fields.content ?? `message ${sequence}`,
    ...(fields.inReplyTo === undefined ? {} : { inReplyTo: fields.inReplyTo }),
    at: 1_000 + sequence,
  };
}

/** Resolves with what a promise did within the fixture's settle time: its value, its rejection, or `pending`. */
async function stateOf<T>(promise: Promise<T>, settle: () => Promise<void>): Promise<{ readonly state: 'resolved'; readonly value: T } | { readonly state: 'rejected'; readonly reason: unknown } | { readonly state: 'pending' }> {
  let outcome: { state: 'resolved'; value: T } | { state: 'rejected'; reason: unknown } | { state: 'pending' } = { state: 'pending' };
  promise.then(
    (value) => (outcome = { state: 'resolved', value }),
    (reason: unknown) => (outcome = { state: 'rejected', reason }),
  );
  await settle();
  return outcome;
}

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * The contract every {@link MessageBus} implementation passes (memory now, Redis later): delivery by
 * task id, agent name and `*`, and to nobody else; publish order; unsubscribe; runs kept apart;
 * `waitForResponse` for the matching request only, abortable; `close`.
 */
export function describeMessageBusContract(name: string, createFixture: () => MessageBusFixture | Promise<MessageBusFixture>): void {
  describe(`MessageBus contract: ${name}`, () => {
    let fixture: MessageBusFixture | undefined;
    const open = async (): Promise<{ readonly bus: MessageBus; readonly settle: () => Promise<void> }> => {
      fixture = await createFixture();
      return { bus: fixture.bus, settle: fixture.settle ?? macrotask };
    };
    afterEach(async () => {
      await fixture?.bus.close();
      await fixture?.dispose?.();
      fixture = undefined;
    });

    it('delivers a message to subscribers that receive it by task id, by agent name or as *, and to nobody else', async () => {
      const { bus, settle } = await open();
      const byTask: string[] = [];
      const byAgent: string[] = [];
      const everything: string[] = [];
      const other: string[] = [];
      await bus.subscribe(RUN, { taskId: 'review', agentName: 'reviewer' }, (received) => byTask.push(received.content));
      await bus.subscribe(RUN, { taskId: 'review-2', agentName: 'reviewer' }, (received) => byAgent.push(received.content));
      await bus.subscribe(RUN, '*', (received) => everything.push(received.content));
      await bus.subscribe(RUN, { taskId: 'deploy', agentName: 'deployer' }, (received) => other.push(received.content));
      await bus.publish(message({ to: 'review', content: 'to the task' }));
      await bus.publish(message({ to: 'reviewer', content: 'to the agent' }));
      await bus.publish(message({ to: 'tester', content: 'to someone else' }));
      await settle();
      expect(byTask).toEqual(['to the task', 'to the agent']);
      expect(byAgent).toEqual(['to the agent']);
      expect(everything).toEqual(['to the task', 'to the agent', 'to someone else']);
      expect(other).toEqual([]);
    });

    it('delivers a broadcast (to "*") to every recipient, and the whole message as published', async () => {
      const { bus, settle } = await open();
      const received: RunMessage[] = [];
      await bus.subscribe(RUN, { taskId: 'a', agentName: 'alpha' }, (got) => received.push(got));
      await bus.subscribe(RUN, { taskId: 'b', agentName: 'beta' }, (got) => received.push(got));
      const broadcast = message({ to: '*', content: 'line one\nline two' });
      await bus.publish(broadcast);
      await settle();
      expect(received).toEqual([broadcast, broadcast]);
    });

    it('delivers in publish order', async () => {
      const { bus, settle } = await open();
      const received: string[] = [];
      await bus.subscribe(RUN, { taskId: 'sink', agentName: 'sink' }, (got) => received.push(got.content));
      const contents = Array.from({ length: 50 }, (_, index) => `#${index}`);
      for (const [index, content] of contents.entries()) await bus.publish(message({ to: index % 2 === 0 ? 'sink' : '*', content }));
      await settle();
      expect(received).toEqual(contents);
    });

    it('stops delivering to a subscription once it is ended, and ending it twice is harmless', async () => {
      const { bus, settle } = await open();
      const kept: string[] = [];
      const ended: string[] = [];
      await bus.subscribe(RUN, '*', (got) => kept.push(got.content));
      const unsubscribe = await bus.subscribe(RUN, '*', (got) => ended.push(got.content));
      await bus.publish(message({ to: '*', content: 'before' }));
      await settle();
      await unsubscribe();
      await unsubscribe();
      await bus.publish(message({ to: '*', content: 'after' }));
      await settle();
      expect(kept).toEqual(['before', 'after']);
      expect(ended).toEqual(['before']);
    });

    it('keeps runs apart', async () => {
      const { bus, settle } = await open();
      const first: string[] = [];
      const second: string[] = [];
      await bus.subscribe('run-a', '*', (got) => first.push(got.content));
      await bus.subscribe('run-b', { taskId: 't', agentName: 'worker' }, (got) => second.push(got.content));
      await bus.publish(message({ runId: 'run-a', to: 'worker', content: 'for run a' }));
      await bus.publish(message({ runId: 'run-b', to: 'worker', content: 'for run b' }));
      await settle();
      expect(first).toEqual(['for run a']);
      expect(second).toEqual(['for run b']);
    });

    it('resolves waitForResponse with the response to that request only, in that run only', async () => {
      const { bus, settle } = await open();
      const controller = new AbortController();
      const waiting = bus.waitForResponse(RUN, 'req-1', { signal: controller.signal });
      const otherRequest = bus.waitForResponse(RUN, 'req-2', { signal: controller.signal });
      await settle();
      await bus.publish(message({ to: 'asker', messageType: 'data', inReplyTo: 'req-1', content: 'data that names the request' }));
      await bus.publish(message({ runId: 'run-other', to: 'asker', messageType: 'response', inReplyTo: 'req-1', content: 'another run' }));
      await bus.publish(message({ to: 'asker', messageType: 'response', inReplyTo: 'req-9', content: 'another request' }));
      expect((await stateOf(waiting, settle)).state).toBe('pending');
      const answer = message({ to: 'asker', messageType: 'response', inReplyTo: 'req-1', content: 'the answer' });
      await bus.publish(answer);
      await expect(waiting).resolves.toEqual(answer);
      expect((await stateOf(otherRequest, settle)).state).toBe('pending');
      controller.abort(new Error('test over'));
      await expect(otherRequest).rejects.toThrow('test over');
    });

    it('rejects waitForResponse with the abort reason, also when the signal is aborted already', async () => {
      const { bus } = await open();
      const controller = new AbortController();
      const waiting = bus.waitForResponse(RUN, 'req-1', { signal: controller.signal });
      const reason = new Error('task timed out');
      controller.abort(reason);
      await expect(waiting).rejects.toBe(reason);
      await expect(bus.waitForResponse(RUN, 'req-2', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    });

    it('keeps delivering to the others when a subscriber throws', async () => {
      const { bus, settle } = await open();
      const received: string[] = [];
      await bus.subscribe(RUN, '*', () => {
        throw new Error('subscriber broke');
      });
      await bus.subscribe(RUN, '*', (got) => received.push(got.content));
      await bus.publish(message({ to: '*', content: 'one' }));
      await bus.publish(message({ to: '*', content: 'two' }));
      await settle();
      expect(received).toEqual(['one', 'two']);
    });

    it('on close, rejects waiters, ends subscriptions and refuses later publishes and subscriptions with a clear error', async () => {
      const { bus, settle } = await open();
      const received: string[] = [];
      await bus.subscribe(RUN, '*', (got) => received.push(got.content));
      const waiting = bus.waitForResponse(RUN, 'req-1', { signal: new AbortController().signal });
      const waited = stateOf(waiting, settle);
      await bus.close();
      const state = await waited;
      expect(state.state).toBe('rejected');
      expect(state.state === 'rejected' ? String(state.reason) : '').toMatch(/closed/);
      await expect(bus.publish(message({ to: '*' }))).rejects.toThrow(/message bus is closed/);
      await expect(bus.subscribe(RUN, '*', () => undefined)).rejects.toThrow(/message bus is closed/);
      await expect(bus.waitForResponse(RUN, 'req-2', { signal: new AbortController().signal })).rejects.toThrow(/message bus is closed/);
      expect(received).toEqual([]);
      await bus.close();
    });
  });
}
