import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EnsembleError, isMessageFor, taskSpecSchema } from '../core/index.js';
import type { DispatchContext, Logger, OutgoingMessage, RunMessage, SharedContextEntry, TaskRequest, TaskSpec } from '../core/index.js';
import { MemoryMessageBus } from '../bus/index.js';
import { recordingDispatchContext } from '../../test/helpers/dispatch-context.js';
import type { InProcessAgent } from './in-process-agents.js';
import { LocalDispatcher } from './local-dispatcher.js';
import { AgentRegistry } from './registry/agent-registry.js';
import type { AgentDefinition } from './registry/parse-agent-definition.js';

const quiet: Logger = { warn: () => undefined, error: () => undefined };

let workspace: string;
let bus: MemoryMessageBus;
beforeEach(() => {
  workspace = mkdtempSync(join(tmpdir(), 'ensemble-dispatch-messages-'));
  bus = new MemoryMessageBus({ logger: quiet });
});
afterEach(async () => {
  await bus.close();
  rmSync(workspace, { recursive: true, force: true });
});

/**
 * The scheduler's side of messaging for these tests, until the cross-domain tests run the real one:
 * a message log with ids, a refused recipient ("ghost"), a shared store with versions, and every
 * journaled message published on the bus, as the orchestrator does.
 */
function runSide() {
  const log: RunMessage[] = [];
  const refused: OutgoingMessage[] = [];
  const shared = new Map<string, SharedContextEntry>();
  const warnings: string[] = [];
  const contextFor = (spec: TaskSpec, signal: AbortSignal = new AbortController().signal): DispatchContext => ({
    ...recordingDispatchContext(signal, workspace),
    sendMessage: (outgoing) => {
      if (outgoing.to === 'ghost') {
        refused.push(outgoing);
        return { ok: false, reason: 'no agent or task "ghost" in this run' };
      }
      const message: RunMessage = { ...outgoing, messageId: `run-1:${spec.id}:1:m${log.length + 1}`, runId: 'run-1', taskId: spec.id, from: spec.agentName, at: log.length };
      log.push(message);
      void bus.publish(message);
      return { ok: true, message };
    },
    receivedMessages: () => log.filter((message) => message.taskId !== spec.id && isMessageFor(message, spec)),
    readShared: (key) => shared.get(key),
    updateShared: (key, value) => {
      const entry: SharedContextEntry = { key, value, version: (shared.get(key)?.version ?? 0) + 1, agentName: spec.agentName, taskId: spec.id, at: 0 };
      shared.set(key, entry);
      return entry;
    },
    reportWarning: (code, message) => warnings.push(`${code}: ${message}`),
  });
  return { log, refused, warnings, contextFor };
}

function task(id: string, agentName: string, prompt = ''): TaskSpec {
  return taskSpecSchema.parse({ id, agentName, prompt });
}

function request(spec: TaskSpec): TaskRequest {
  return { runId: 'run-1', task: spec, attempt: 1, executionId: `run-1:${spec.id}:1`, inputs: [], context: [], permissions: 'edit' };
}

function definition(name: string, fields: Partial<AgentDefinition> = {}): AgentDefinition {
  return { name, description: `${name} agent`, category: 'general', runtime: 'command', tools: [], prompt: '', source: 'test', extra: {}, ...fields };
}

const TAGGED_OUTPUT = [
  'Design done.',
  '<AGENT_MESSAGE to="frontend" type="request">Which colours?</AGENT_MESSAGE>',
  '<AGENT_MESSAGE to="ghost">hello?</AGENT_MESSAGE>',
  '<AGENT_MESSAGE type="data">to nobody</AGENT_MESSAGE>',
  '<AGENT_MESSAGE to="*">Schema frozen.</AGENT_MESSAGE>',
  'See design.md.',
].join('\n');

describe('LocalDispatcher: agent messages', () => {
  it('sends the <AGENT_MESSAGE> tags of a successful output in order, and returns the output without them; bad tags are journaled warnings', async () => {
    const side = runSide();
    const agents = new Map<string, InProcessAgent>([['architect', { name: 'architect', run: () => TAGGED_OUTPUT }]]);
    const dispatcher = new LocalDispatcher({ registry: new AgentRegistry(), inProcess: agents, bus });
    const spec = task('design', 'architect');
    const outcome = await dispatcher.dispatch(request(spec), side.contextFor(spec));
    expect(outcome.output).toBe('Design done.\nSee design.md.');
    expect(side.log.map((message) => [message.to, message.messageType, message.content])).toEqual([
      ['frontend', 'request', 'Which colours?'],
      ['*', 'broadcast', 'Schema frozen.'],
    ]);
    expect(side.refused).toEqual([{ to: 'ghost', messageType: 'data', content: 'hello?' }]);
    expect(side.warnings).toEqual(['MESSAGE_MALFORMED: task design: message 3: missing to="…" (an agent name, a task id, or "*" for every agent)']);
  });

  it('sends the tags of process agents too, and none of an attempt that failed', async () => {
    const side = runSide();
    const program = (exitCode: number) => `process.stdout.write(${JSON.stringify(TAGGED_OUTPUT)}); process.exitCode = ${exitCode}`;
    const registry = new AgentRegistry();
    registry.register(definition('ok', { command: [process.execPath, '-e', program(0)] }));
    registry.register(definition('failing', { command: [process.execPath, '-e', program(1)] }));
    const dispatcher = new LocalDispatcher({ registry, inProcess: new Map(), bus });
    const failing = task('fail', 'failing');
    await expect(dispatcher.dispatch(request(failing), side.contextFor(failing))).rejects.toMatchObject({ code: 'AGENT_EXIT_NONZERO' });
    expect(side.log).toEqual([]);
    const ok = task('ok', 'ok');
    expect((await dispatcher.dispatch(request(ok), side.contextFor(ok))).output).toBe('Design done.\nSee design.md.');
    expect(side.log.map((message) => message.content)).toEqual(['Which colours?', 'Schema frozen.']);
  });

  it('leaves outputs as they are and refuses sends when the run\'s communication is off', async () => {
    const side = runSide();
    let sendResult: unknown;
    let sharedError: unknown;
    const agents = new Map<string, InProcessAgent>([
      [
        'architect',
        {
          name: 'architect',
          run: (_task, context) => {
            sendResult = context.bus.send({ to: 'frontend', content: 'hi' });
            sharedError = (() => {
              try {
                context.shared.update('k', 'v');
              } catch (error) {
                return error;
              }
            })();
            return TAGGED_OUTPUT;
          },
        },
      ],
    ]);
    const dispatcher = new LocalDispatcher({ registry: new AgentRegistry(), inProcess: agents, bus, enableCommunication: false });
    const spec = task('design', 'architect');
    expect((await dispatcher.dispatch(request(spec), side.contextFor(spec))).output).toBe(TAGGED_OUTPUT);
    expect(side.log).toEqual([]);
    expect(sendResult).toEqual({ ok: false, reason: 'agent messages are off in this run (enableCommunication: false)' });
    expect(sharedError).toMatchObject({ code: 'AGENT_FAILED', message: expect.stringContaining('shared context store is off') });
  });
});

describe('in-process agents: ctx.bus and ctx.shared', () => {
  it('sends, lists what it received, and writes and reads the shared store', async () => {
    const side = runSide();
    const seen: Record<string, unknown> = {};
    const agents = new Map<string, InProcessAgent>([
      [
        'writer',
        {
          name: 'writer',
          run: (_task, context) => {
            seen['sent'] = context.bus.send({ to: 'reader', content: 'the plan' });
            seen['refused'] = context.bus.send({ to: 'ghost', content: 'boo' });
            seen['version'] = context.shared.update('plan', 'v1').version;
            seen['version2'] = context.shared.update('plan', 'v2').version;
            return 'written';
          },
        },
      ],
      [
        'reader',
        {
          name: 'reader',
          run: (_task, context) => {
            seen['received'] = context.bus.messages().map((message) => `${message.from}: ${message.content}`);
            seen['plan'] = context.shared.get('plan');
            seen['entry'] = context.shared.entry('plan');
            seen['missing'] = context.shared.get('nothing');
            return 'read';
          },
        },
      ],
    ]);
    const dispatcher = new LocalDispatcher({ registry: new AgentRegistry(), inProcess: agents, bus });
    const write = task('write', 'writer');
    await dispatcher.dispatch(request(write), side.contextFor(write));
    const read = task('read', 'reader');
    await dispatcher.dispatch(request(read), side.contextFor(read));
    expect(seen['sent']).toMatchObject({ ok: true, message: { to: 'reader', messageType: 'data', content: 'the plan', from: 'writer' } });
    expect(seen['refused']).toEqual({ ok: false, reason: 'no agent or task "ghost" in this run' });
    expect([seen['version'], seen['version2']]).toEqual([1, 2]);
    expect(seen['received']).toEqual(['writer: the plan']);
    expect(seen['plan']).toBe('v2');
    expect(seen['entry']).toMatchObject({ key: 'plan', value: 'v2', version: 2, agentName: 'writer', taskId: 'write' });
    expect(seen['missing']).toBeUndefined();
  });

  it('rejects a malformed send or shared write with INVALID_INPUT naming the field', async () => {
    const side = runSide();
    const errors: string[] = [];
    const attempt = (action: () => unknown): void => {
      try {
        action();
      } catch (error) {
        errors.push(`${(error as EnsembleError).code}: ${(error as Error).message}`);
      }
    };
    const agents = new Map<string, InProcessAgent>([
      [
        'sloppy',
        {
          name: 'sloppy',
          run: (_task, context) => {
            attempt(() => context.bus.send({ to: ' ', content: 'x' }));
            attempt(() => context.bus.send({ to: 'a', content: 'x', type: 'gossip' as 'data' }));
            attempt(() => context.shared.update('', 'x'));
            attempt(() => context.shared.update('k', { not: 'text' } as unknown as string));
            return 'done';
          },
        },
      ],
    ]);
    const spec = task('s', 'sloppy');
    await new LocalDispatcher({ registry: new AgentRegistry(), inProcess: agents, bus }).dispatch(request(spec), side.contextFor(spec));
    expect(errors).toEqual([
      'INVALID_INPUT: ctx.bus.send.to: must name an agent, a task id or "*"',
      expect.stringMatching(/^INVALID_INPUT: ctx\.bus\.send\.type: /),
      'INVALID_INPUT: ctx.shared.update: key: must be a non-empty string',
      'INVALID_INPUT: ctx.shared.update: value of "k" must be a string (JSON.stringify structured values)',
    ]);
  });

  it('asks with request() and gets the response of a concurrent agent that waits for the question and replies', async () => {
    const side = runSide();
    const agents = new Map<string, InProcessAgent>([
      [
        'asker',
        {
          name: 'asker',
          run: async (_task, context) => {
            const answer = await context.bus.request({ to: 'oracle', content: 'What port?' });
            return `told ${answer.content} by ${answer.from} (in reply to ${answer.inReplyTo})`;
          },
        },
      ],
      [
        'oracle',
        {
          name: 'oracle',
          run: async (_task, context) => {
            const question = await context.bus.waitForMessage((message) => message.messageType === 'request');
            context.bus.reply(question, '8080');
            return `answered ${question.content}`;
          },
        },
      ],
    ]);
    const dispatcher = new LocalDispatcher({ registry: new AgentRegistry(), inProcess: agents, bus });
    const oracle = task('oracle-task', 'oracle');
    const asker = task('ask', 'asker');
    // The oracle starts first and waits; the asker's request reaches it through the bus.
    const answering = dispatcher.dispatch(request(oracle), side.contextFor(oracle));
    const asking = dispatcher.dispatch(request(asker), side.contextFor(asker));
    expect((await asking).output).toBe('told 8080 by oracle (in reply to run-1:ask:1:m1)');
    expect((await answering).output).toBe('answered What port?');
    expect(side.log.map((message) => [message.taskId, message.to, message.messageType])).toEqual([
      ['ask', 'oracle', 'request'],
      ['oracle-task', 'ask', 'response'],
    ]);
  });

  it('finds a response journaled before request() started waiting, and stops waiting when the task is aborted', async () => {
    const side = runSide();
    const controller = new AbortController();
    let answeredEarly: string | undefined;
    const agents = new Map<string, InProcessAgent>([
      [
        'asker',
        {
          name: 'asker',
          run: async (_task, context) => {
            // A synchronous responder: answers inside the send, before request() listens.
            const unsubscribe = await bus.subscribe('run-1', { taskId: 'other', agentName: 'oracle' }, (message) => {
              const oracleContext = side.contextFor(task('other', 'oracle'));
              oracleContext.sendMessage({ to: message.taskId, messageType: 'response', content: 'instant', inReplyTo: message.messageId });
            });
            answeredEarly = (await context.bus.request({ to: 'oracle', content: 'quick?' })).content;
            await unsubscribe();
            return context.bus.request({ to: 'nobody-answers', content: 'hello?' }).then((message) => message.content);
          },
        },
      ],
    ]);
    const spec = task('ask', 'asker');
    const reason = new EnsembleError('TASK_TIMEOUT', 'task ask timed out');
    const running = new LocalDispatcher({ registry: new AgentRegistry(), inProcess: agents, bus }).dispatch(request(spec), side.contextFor(spec, controller.signal));
    await expect.poll(() => side.log.length).toBe(3);
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(answeredEarly).toBe('instant');
  });
});
