import { describe, expect, it } from 'vitest';
import { createHarness, task } from '../../test/helpers/scheduler-harness.js';
import type { RunEvent, RunEventOf } from './events.js';
import type { ContextStrategy } from './ports.js';
import { resumePriorFromEvents } from './resume-prior.js';
import { foldRunEvents } from './run-state.js';
import type { ContextRequest, TaskContext } from './task-context.js';

const ofType = <T extends RunEvent['type']>(events: readonly RunEvent[], type: T): RunEventOf<T>[] =>
  events.filter((event) => event.type === type) as unknown as RunEventOf<T>[];

/** A strategy that hands each task every message it receives and every finished output, recording the requests. */
function recordingStrategy(requests: ContextRequest[]): ContextStrategy {
  return {
    assemble(request): TaskContext {
      requests.push(request);
      const { sources, task } = request;
      const outputs = sources.finished
        .filter((index) => !task.dependencies.includes(sources.graph.tasks[index]!.id))
        .map((index) => {
          const id = sources.graph.tasks[index]!.id;
          return { key: `output:${id}`, relation: 'pool' as const, source: id, agentName: 'worker', text: sources.output(index) ?? '', treatment: 'whole' as const, tokens: 1 };
        });
      const messages = sources.messages
        .filter((message) => message.to === '*' || message.to === task.id)
        .map((message) => ({ key: `message:${message.messageId}`, relation: 'message' as const, source: message.from, agentName: message.from, text: message.content, treatment: 'whole' as const, tokens: 1 }));
      const context = request.replay === undefined ? [...messages, ...outputs] : [...messages, ...outputs].filter((entry) => request.replay!.entries.some((kept) => kept.key === entry.key));
      const inputs = task.dependencies.map((id) => ({ taskId: id, agentName: 'worker', output: sources.output(sources.graph.indexById.get(id)!) ?? '' }));
      return {
        inputs,
        context,
        receipt: {
          strategy: 'shared',
          tokenizer: 'estimate',
          entries: context.map((entry) => ({ key: entry.key, relation: entry.relation, treatment: entry.treatment, tokens: 1, sourceTokens: 1 })),
          tokens: context.length,
        },
        ...(context.length > 1 ? { pruned: { thresholdTokens: 1, beforeTokens: context.length, afterTokens: 1, entries: [] } } : {}),
      };
    },
  };
}

describe('RunScheduler: agent messages, the shared store and the context strategy', () => {
  it('journals a message before later tasks start and hands it to them through the strategy', async () => {
    const requests: ContextRequest[] = [];
    const harness = createHarness([task('designer'), task('builder', ['designer']), task('other')], {
      config: { maxParallelAgents: 1 },
      behaviours: { designer: { messages: [{ to: 'builder', messageType: 'data', content: 'use REST' }, { to: '*', messageType: 'data', content: 'hello all' }] } },
      context: recordingStrategy(requests),
    });
    await harness.run();
    const messages = ofType(harness.events, 'agent:message');
    expect(messages.map((message) => [message.to, message.messageType, message.content])).toEqual([
      ['builder', 'data', 'use REST'],
      ['*', 'broadcast', 'hello all'],
    ]);
    expect(messages[0]).toMatchObject({ taskId: 'designer', from: 'worker', attempt: 1, messageId: 'run-1:designer:1:m1' });
    const builder = harness.dispatched.find((request) => request.task.id === 'builder')!;
    expect(builder.context.map((entry) => entry.text)).toEqual(['use REST', 'hello all']);
    expect(builder.inputs).toEqual([{ taskId: 'designer', agentName: 'worker', output: 'out:designer' }]);
    // The receipt is journaled after agent:invoke and before the attempt's work.
    const receipt = ofType(harness.events, 'task:context').find((event) => event.taskId === 'builder')!;
    expect(receipt.receipt.entries.map((entry) => entry.key)).toEqual(['message:run-1:designer:1:m1', 'message:run-1:designer:1:m2']);
    expect(ofType(harness.events, 'context:pruned').map((event) => event.taskId)).toContain('builder');
    expect(requests.find((request) => request.task.id === 'builder')).toMatchObject({ model: 'test-model', thresholdTokens: 150_000, communication: true });
    expect(foldRunEvents(harness.events).messages).toHaveLength(2);
  });

  it('refuses a message to an unknown recipient or past a limit with a run:warning, and the run still succeeds', async () => {
    const harness = createHarness([task('chatty'), task('quiet')], {
      behaviours: {
        chatty: {
          messages: [
            { to: 'nobody', messageType: 'data', content: 'lost' },
            { to: 'quiet', messageType: 'request', content: 'x'.repeat(16_001) },
            { to: 'quiet', messageType: 'request', content: 'fine' },
            { to: 'quiet', messageType: 'response', content: 'also fine', inReplyTo: 'run-1:chatty:1:m1' },
            { to: 'quiet', messageType: 'data', content: 'third' },
          ],
        },
      },
      config: {},
    });
    const outcome = await harness.run();
    expect(outcome.status).toBe('succeeded');
    expect(harness.sent.map((entry) => entry.result.ok)).toEqual([false, false, true, true, true]);
    const refusal = harness.sent[0]!.result;
    expect(refusal.ok === false && refusal.reason).toContain('"nobody"');
    expect(ofType(harness.events, 'run:warning').map((event) => event.code)).toEqual(['MESSAGE_UNKNOWN_RECIPIENT', 'MESSAGE_LIMIT']);
    expect(ofType(harness.events, 'agent:message').find((event) => event.messageType === 'response')).toMatchObject({ inReplyTo: 'run-1:chatty:1:m1' });
  });

  it('caps messages per task across attempts, and says so when communication is off', async () => {
    const many = Array.from({ length: 25 }, (_, index) => ({ to: '*', messageType: 'data' as const, content: `m${index}` }));
    const capped = createHarness([task('a')], { behaviours: { a: { messages: many } } });
    await capped.run();
    expect(ofType(capped.events, 'agent:message')).toHaveLength(20);
    expect(capped.sent.filter((entry) => !entry.result.ok)).toHaveLength(5);

    const off = createHarness([task('a'), task('b')], { behaviours: { a: { messages: [{ to: 'b', messageType: 'data', content: 'hi' }] } }, config: { enableCommunication: false } });
    await off.run();
    expect(ofType(off.events, 'agent:message')).toHaveLength(0);
    expect(ofType(off.events, 'run:warning')[0]).toMatchObject({ code: 'MESSAGES_DISABLED' });
  });

  it('keeps a history of shared context writes, versioned, with who wrote them', async () => {
    const harness = createHarness([task('a'), task('b', ['a'])], {
      behaviours: { a: { sharedWrites: [{ key: 'api/style', value: 'REST' }] }, b: { sharedWrites: [{ key: 'api/style', value: 'GraphQL' }] } },
    });
    await harness.run();
    const updates = foldRunEvents(harness.events).sharedUpdates;
    expect(updates.map((entry) => [entry.key, entry.value, entry.version, entry.taskId])).toEqual([
      ['api/style', 'REST', 1, 'a'],
      ['api/style', 'GraphQL', 2, 'b'],
    ]);
    const bad = createHarness([task('a')], { behaviours: { a: { sharedWrites: [{ key: '../etc', value: 'x' }] } } });
    const outcome = await bad.run();
    // The refused write threw inside the attempt: the attempt fails, naming the key.
    expect(outcome.results[0]!.error?.message).toContain('../etc');
    expect(ofType(bad.events, 'run:warning')[0]).toMatchObject({ code: 'CONTEXT_UPDATE_LIMIT' });
  });

  it('on resume restores the messages and hands a re-run task the context its receipt names', async () => {
    const requests: ContextRequest[] = [];
    const first = createHarness([task('talker'), task('listener', ['talker']), task('late')], {
      config: { maxParallelAgents: 1 },
      behaviours: { talker: { messages: [{ to: 'listener', messageType: 'data', content: 'remember me' }] }, listener: { ignoresAbort: true, durationsMs: [1_000_000] } },
      context: recordingStrategy(requests),
      onEvent: (event, scheduler) => {
        if (event.type === 'task:start' && event.taskId === 'listener') scheduler.cancel('crash stand-in');
      },
    });
    await first.run();
    const events = first.events.filter((event) => event.type !== 'workflow:results' && event.type !== 'workflow:complete' && event.type !== 'workflow:error' && event.type !== 'task:cancelled');
    const prior = resumePriorFromEvents(events);
    expect(prior.messages?.map((message) => message.content)).toEqual(['remember me']);
    expect(prior.contextReceipts?.get('listener')?.entries.map((entry) => entry.key)).toEqual(['message:run-1:talker:1:m1']);
    const replayed: ContextRequest[] = [];
    const second = createHarness([task('talker'), task('listener', ['talker']), task('late')], { prior, context: recordingStrategy(replayed), config: { maxParallelAgents: 1 } });
    await second.run();
    const listener = second.dispatched.find((request) => request.task.id === 'listener')!;
    expect(listener.context.map((entry) => entry.text)).toEqual(['remember me']);
    expect(replayed.find((request) => request.task.id === 'listener')!.replay).toBeDefined();
  });
});

describe('RunScheduler: a re-run does not send its messages twice', () => {
  it('a retried attempt repeating an earlier attempt’s message journals it once', async () => {
    const { EnsembleError } = await import('./errors.js');
    const harness = createHarness([task('a'), task('b')], {
      config: { retry: { max: 1, backoffMs: 1 } },
      behaviours: { a: { messages: [{ to: 'b', messageType: 'data', content: 'once' }], failures: [new EnsembleError('AGENT_FAILED', 'flaky', { retryable: true })] } },
    });
    await harness.run();
    expect(ofType(harness.events, 'agent:message')).toHaveLength(1);
    expect(harness.sent.map((entry) => entry.result.ok)).toEqual([true, true]);
  });
});
