import { describe, expect, it } from 'vitest';
import { taskSpecSchema } from '../../core/index.js';
import type { OutgoingMessage } from '../../core/index.js';
import { createBuiltinTools } from '../../tools/index.js';
import type { AttemptMessaging } from '../attempt-messaging.js';
import type { AgentInvocation } from '../agent-runtime.js';
import { parseAgentDefinition } from '../registry/index.js';
import { offerAgentTools } from './offer-agent-tools.js';

const builtins = createBuiltinTools();
const signal = new AbortController().signal;

function invocation(tools: string, messaging?: AttemptMessaging): AgentInvocation {
  const agent = parseAgentDefinition(`---\nname: coder\ndescription: d\n${tools === '' ? '' : `tools: ${tools}\n`}---\nCode.\n`, 'test');
  return {
    agent,
    workspaceDir: '.',
    model: 'sonnet',
    request: { runId: 'r', task: taskSpecSchema.parse({ id: 't', agentName: 'coder' }), attempt: 1, executionId: 'r:t:1', inputs: [], context: [], permissions: 'read' },
    ...(messaging === undefined ? {} : { messaging }),
  };
}

function messagingRecording(sent: OutgoingMessage[]): AttemptMessaging {
  return {
    recipient: { taskId: 't', agentName: 'coder' },
    send: (message) => {
      sent.push(message);
      return { ok: true, message: { ...message, messageId: 'r:t:1:m1', runId: 'r', taskId: 't', from: 'coder', at: 0 } };
    },
    received: () => [],
    readShared: () => undefined,
    updateShared: () => {
      throw new Error('unused');
    },
  };
}

describe('offerAgentTools: SendMessage', () => {
  it('offers SendMessage, bound to the attempt, when the run\'s communication is on and the agent lists no tools or names it', async () => {
    const sent: OutgoingMessage[] = [];
    const messaging = messagingRecording(sent);
    const all = await offerAgentTools(invocation('', messaging), builtins, signal);
    expect(all.map((tool) => tool.name)).toEqual(['Read', 'Glob', 'Grep', 'SendMessage']);
    const named = await offerAgentTools(invocation('Read, SendMessage', messaging), builtins, signal);
    expect(named.map((tool) => tool.name)).toEqual(['Read', 'SendMessage']);
    const sendMessage = named[1]!;
    await expect(sendMessage.execute(sendMessage.inputSchema.parse({ to: 'tester', message: 'go' }), { workspaceDir: '.', signal })).resolves.toEqual({
      output: 'sent data message r:t:1:m1 to tester',
    });
    expect(sent).toEqual([{ to: 'tester', messageType: 'data', content: 'go' }]);
  });

  it('does not offer it when the explicit list leaves it out, or when the run\'s communication is off (and says nothing about it)', async () => {
    const warnings: string[] = [];
    expect((await offerAgentTools(invocation('Read, Grep', messagingRecording([])), builtins, signal)).map((tool) => tool.name)).toEqual(['Read', 'Grep']);
    const off = { ...invocation('Read, SendMessage'), warn: (message: string) => warnings.push(message) };
    expect((await offerAgentTools(off, builtins, signal)).map((tool) => tool.name)).toEqual(['Read']);
    expect((await offerAgentTools(invocation(''), builtins, signal)).map((tool) => tool.name)).toEqual(['Read', 'Glob', 'Grep']);
    expect(warnings).toEqual([]);
  });
});
