import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ContextEntry, Logger, RunMessage } from '../../core/index.js';
import { MemoryMessageBus } from '../../bus/index.js';
import { commandAgent, commandInvocation, waitFor } from '../../../test/helpers/process-agents.js';
import type { AttemptMessaging } from '../attempt-messaging.js';
import type { AgentInvocation } from '../agent-runtime.js';
import { createCommandRuntime } from './command-runtime.js';

let workspace: string;
let bus: MemoryMessageBus;
// A subscriber that throws (an append to a removed file) is reported here.
let busErrors: string[];
beforeEach(() => {
  workspace = mkdtempSync(join(tmpdir(), 'ensemble-command-messages-'));
  busErrors = [];
  const logger: Logger = { warn: () => undefined, error: (text, cause) => void busErrors.push(`${text}: ${String(cause)}`) };
  bus = new MemoryMessageBus({ logger });
});
afterEach(async () => {
  await bus.close();
  rmSync(workspace, { recursive: true, force: true });
});

let sequence = 0;
function message(fields: Partial<RunMessage> & Pick<RunMessage, 'to' | 'content'>): RunMessage {
  sequence++;
  return { messageId: `run-test-1:other:1:m${sequence}`, runId: 'run-test-1', taskId: 'other', from: 'writer', messageType: 'data', at: sequence, ...fields };
}

function messagingFor(received: readonly RunMessage[]): AttemptMessaging {
  return {
    recipient: { taskId: 'task-7', agentName: 'probe' },
    send: () => ({ ok: false, reason: 'not in this test' }),
    received: () => received,
    readShared: () => undefined,
    updateShared: () => {
      throw new Error('not in this test');
    },
    bus,
  };
}

/**
 * Prints its ENSEMBLE_CONTEXT file, then polls ENSEMBLE_MESSAGES (every 20 ms, for at most 10 s)
 * until a line says "last", and prints the messages' contents it found, one per line.
 */
const FOLLOWER = `
  const { readFileSync } = require('node:fs');
  const context = JSON.parse(readFileSync(process.env.ENSEMBLE_CONTEXT, 'utf8'));
  const read = () => readFileSync(process.env.ENSEMBLE_MESSAGES, 'utf8').split('\\n').filter(Boolean).map((line) => JSON.parse(line));
  const deadline = Date.now() + 10000;
  const poll = () => {
    const messages = read();
    if (messages.some((m) => m.content === 'last') || Date.now() > deadline) {
      process.stdout.write(JSON.stringify({ context, contents: messages.map((m) => m.content), first: messages[0] }));
      return;
    }
    setTimeout(poll, 20);
  };
  poll();
`;

describe('command runtime: the context file and the live message file', () => {
  const runtime = createCommandRuntime();

  it('gives the task its context in ENSEMBLE_CONTEXT, and every message for it in ENSEMBLE_MESSAGES, appended while it runs', async () => {
    const context: ContextEntry[] = [{ key: 'output:design', relation: 'pool', source: 'design', agentName: 'architect', text: 'the design', treatment: 'whole', tokens: 3 }];
    const before = message({ to: 'probe', content: 'before it started', messageType: 'request' });
    const invocation: AgentInvocation = {
      ...commandInvocation(commandAgent([process.execPath, '-e', FOLLOWER]), 'follow', workspace),
      messaging: messagingFor([before]),
    };
    const started: number[] = [];
    const running = runtime.run({ ...invocation, request: { ...invocation.request, context }, reportEvent: (type) => void (type === 'agent:process' && started.push(1)) } as AgentInvocation, new AbortController().signal);
    await waitFor(() => (started.length > 0 ? true : undefined));
    // A concurrent task's messages, published while the agent runs; one of them also journaled before (written once).
    await bus.publish(before);
    await bus.publish(message({ to: 'someone-else', content: 'not for this task' }));
    await bus.publish(message({ to: 'task-7', content: 'by task id' }));
    await bus.publish(message({ to: '*', content: 'to everyone', taskId: 'task-7', from: 'probe' }));
    await bus.publish(message({ to: '*', content: 'last', messageType: 'broadcast' }));
    const report = JSON.parse((await running).output) as { context: ContextEntry[]; contents: string[]; first: RunMessage };
    expect(report.context).toEqual(context);
    // Not the message to another agent, nor the task's own broadcast.
    expect(report.contents).toEqual(['before it started', 'by task id', 'last']);
    expect(report.first).toEqual(before);
    expect(busErrors).toEqual([]);
  });

  it('leaves ENSEMBLE_MESSAGES empty when the run\'s communication is off, and removes both files with the attempt', async () => {
    const program = `
      const { readFileSync } = require('node:fs');
      process.stdout.write(JSON.stringify({ messages: readFileSync(process.env.ENSEMBLE_MESSAGES, 'utf8'), context: readFileSync(process.env.ENSEMBLE_CONTEXT, 'utf8'), paths: [process.env.ENSEMBLE_MESSAGES, process.env.ENSEMBLE_CONTEXT] }));
    `;
    const outcome = await runtime.run(commandInvocation(commandAgent([process.execPath, '-e', program]), 'x', workspace), new AbortController().signal);
    const report = JSON.parse(outcome.output) as { messages: string; context: string; paths: string[] };
    expect(report.messages).toBe('');
    expect(report.context).toBe('[]');
    for (const path of report.paths) expect(existsSync(path)).toBe(false);
  });

  it('stops listening once the attempt ended', async () => {
    const invocation: AgentInvocation = { ...commandInvocation(commandAgent([process.execPath, '-e', 'process.stdout.write(process.env.ENSEMBLE_MESSAGES)']), 'x', workspace), messaging: messagingFor([]) };
    const path = (await runtime.run(invocation, new AbortController().signal)).output;
    await bus.publish(message({ to: 'probe', content: 'too late' }));
    expect(existsSync(path)).toBe(false);
    expect(busErrors).toEqual([]);
  });
});
