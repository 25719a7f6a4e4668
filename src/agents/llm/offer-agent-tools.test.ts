import { describe, expect, it } from 'vitest';
import { taskSpecSchema } from '../../core/index.js';
import type { LeaseGuard, OutgoingMessage, PermissionCeiling } from '../../core/index.js';
import { createBuiltinTools } from '../../tools/index.js';
import type { AttemptMessaging, LeasedInvocation } from '../attempt-messaging.js';
import type { AgentInvocation } from '../agent-runtime.js';
import { parseAgentDefinition } from '../registry/index.js';
import { offerAgentTools } from './offer-agent-tools.js';

const builtins = createBuiltinTools();
const signal = new AbortController().signal;

function invocation(tools: string, messaging?: AttemptMessaging, permissions: PermissionCeiling = 'read'): AgentInvocation {
  const agent = parseAgentDefinition(`---\nname: coder\ndescription: d\n${tools === '' ? '' : `tools: ${tools}\n`}---\nCode.\n`, 'test');
  return {
    agent,
    workspaceDir: '.',
    model: 'sonnet',
    request: { runId: 'r', task: taskSpecSchema.parse({ id: 't', agentName: 'coder' }), attempt: 1, executionId: 'r:t:1', inputs: [], context: [], permissions },
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
    expect(all.map((tool) => tool.name)).toEqual(['Read', 'Glob', 'Grep', 'SendMessage', 'Escalate']);
    const named = await offerAgentTools(invocation('Read, SendMessage', messaging), builtins, signal);
    expect(named.map((tool) => tool.name)).toEqual(['Read', 'SendMessage', 'Escalate']);
    const sendMessage = named[1]!;
    await expect(sendMessage.execute(sendMessage.inputSchema.parse({ to: 'tester', message: 'go' }), { workspaceDir: '.', signal })).resolves.toEqual({
      output: 'sent data message r:t:1:m1 to tester',
    });
    expect(sent).toEqual([{ to: 'tester', messageType: 'data', content: 'go' }]);
  });

  it('does not offer it when the explicit list leaves it out, or when the run\'s communication is off (and says nothing about it)', async () => {
    const warnings: string[] = [];
    expect((await offerAgentTools(invocation('Read, Grep', messagingRecording([])), builtins, signal)).map((tool) => tool.name)).toEqual(['Read', 'Grep', 'Escalate']);
    const off = { ...invocation('Read, SendMessage'), warn: (message: string) => warnings.push(message) };
    expect((await offerAgentTools(off, builtins, signal)).map((tool) => tool.name)).toEqual(['Read', 'Escalate']);
    expect((await offerAgentTools(invocation(''), builtins, signal)).map((tool) => tool.name)).toEqual(['Read', 'Glob', 'Grep', 'Escalate']);
    expect(warnings).toEqual([]);
  });
});

describe('offerAgentTools: Escalate and RequestLease', () => {
  const leases: LeaseGuard = { checkWrite: async () => ({ ok: true }), request: async () => ({ ok: true }), held: () => [] };
  const leased = (tools: string, permissions: PermissionCeiling): LeasedInvocation => ({ ...invocation(tools, undefined, permissions), leases });

  it('offers RequestLease only to an attempt under file leases that may change files', async () => {
    expect((await offerAgentTools(leased('Read, Write', 'edit'), builtins, signal)).map((tool) => tool.name)).toEqual(['Read', 'Write', 'Escalate', 'RequestLease']);
    expect((await offerAgentTools(leased('Read, Write', 'read'), builtins, signal)).map((tool) => tool.name)).toEqual(['Read', 'Escalate']);
    expect((await offerAgentTools(invocation('Read, Write', undefined, 'edit'), builtins, signal)).map((tool) => tool.name)).toEqual(['Read', 'Write', 'Escalate']);
  });

  it('offers nothing, Escalate included, to an agent left without tools', async () => {
    expect(await offerAgentTools(invocation('Bash'), builtins, signal)).toEqual([]);
  });
});
