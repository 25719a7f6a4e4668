import { describe, expect, it } from 'vitest';
import type { Logger, RunMessage } from '../core/index.js';
import { MemoryMessageBus } from './memory-message-bus.js';
import { describeMessageBusContract } from './message-bus.contract.js';

const quietLogger: Logger = { warn: () => undefined, error: () => undefined };

describeMessageBusContract('MemoryMessageBus', () => ({ bus: new MemoryMessageBus({ logger: quietLogger }) }));

function message(content: string, to = '*'): RunMessage {
  return { messageId: `m-${content}`, runId: 'run-1', taskId: 'sender', from: 'writer', to, messageType: to === '*' ? 'broadcast' : 'data', content, at: 1 };
}

describe('MemoryMessageBus', () => {
  it('reports a subscriber that throws through its logger, naming the run and the message', async () => {
    const errors: { message: string; cause: unknown }[] = [];
    const bus = new MemoryMessageBus({ logger: { warn: () => undefined, error: (text, cause) => errors.push({ message: text, cause }) } });
    const failure = new Error('handler bug');
    await bus.subscribe('run-1', '*', () => {
      throw failure;
    });
    await bus.publish(message('one'));
    expect(errors).toEqual([{ message: 'message bus: a subscriber of run run-1 failed on message m-one', cause: failure }]);
    await bus.close();
  });

  it('delivers a message published from inside a handler after the current one reached every subscriber', async () => {
    const bus = new MemoryMessageBus({ logger: quietLogger });
    const seen: string[] = [];
    await bus.subscribe('run-1', '*', (got) => {
      seen.push(`first:${got.content}`);
      if (got.content === 'question') void bus.publish(message('answer'));
    });
    await bus.subscribe('run-1', '*', (got) => seen.push(`second:${got.content}`));
    await bus.publish(message('question'));
    expect(seen).toEqual(['first:question', 'second:question', 'first:answer', 'second:answer']);
    await bus.close();
  });

  it('delivers synchronously, before publish resolves, so an awaited publish has reached everyone', async () => {
    const bus = new MemoryMessageBus({ logger: quietLogger });
    const seen: string[] = [];
    await bus.subscribe('run-1', { taskId: 'b', agentName: 'beta' }, (got) => seen.push(got.content));
    const publishing = bus.publish(message('now', 'beta'));
    expect(seen).toEqual(['now']);
    await publishing;
    await bus.close();
  });

  it('forgets a run once nobody listens, and a publish to a run nobody listens to resolves', async () => {
    const bus = new MemoryMessageBus({ logger: quietLogger });
    const unsubscribe = await bus.subscribe('run-1', '*', () => undefined);
    await unsubscribe();
    await expect(bus.publish(message('unheard'))).resolves.toBeUndefined();
    const seen: string[] = [];
    await bus.subscribe('run-1', '*', (got) => seen.push(got.content));
    await bus.publish(message('heard'));
    expect(seen).toEqual(['heard']);
    await bus.close();
  });
});
