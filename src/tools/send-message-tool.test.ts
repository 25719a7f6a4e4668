import { describe, expect, it } from 'vitest';
import type { OutgoingMessage, SendMessageResult } from '../core/index.js';
import { createSendMessageTool, sendMessageTool } from './send-message-tool.js';

const context = { workspaceDir: '/nonexistent', signal: new AbortController().signal };

function recordingSender(result?: (message: OutgoingMessage) => SendMessageResult): { readonly sent: OutgoingMessage[]; readonly send: (message: OutgoingMessage) => SendMessageResult } {
  const sent: OutgoingMessage[] = [];
  return {
    sent,
    send: (message) => {
      sent.push(message);
      return (
        result?.(message) ?? {
          ok: true,
          message: { ...message, messageId: `run-1:design:1:m${sent.length}`, runId: 'run-1', taskId: 'design', from: 'architect', at: 5 },
        }
      );
    },
  };
}

describe('SendMessage', () => {
  it('reads our spelling and Claude Code\'s, defaults the type, and says what it could not read', () => {
    const parse = (input: unknown) => sendMessageTool.inputSchema.safeParse(input);
    expect(parse({ to: 'tester', message: 'Run the suite' }).data).toEqual({ to: 'tester', message: 'Run the suite', type: 'data' });
    expect(parse({ recipient: '*', content: 'Freeze', summary: 'ignored' }).data).toEqual({ to: '*', message: 'Freeze', type: 'broadcast' });
    expect(parse({ to: 'architect', message: 'Yes', type: 'Response', in_reply_to: 'run-1:design:1:m1' }).data).toEqual({
      to: 'architect',
      message: 'Yes',
      type: 'response',
      inReplyTo: 'run-1:design:1:m1',
    });
    expect(parse({ recipient: 'reviewer', content: 'hi', type: 'message' }).data?.type).toBe('data');
    const bad = parse({ to: ' ', message: '', type: 'gossip' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([
      'to: required: an agent name, a task id, or "*" for every agent of the run',
      'message: required: the text to send',
      'type: "gossip" is not one of data, request, response, broadcast',
    ]);
  });

  it('sends through the attempt\'s sender and answers with the message id', async () => {
    const { sent, send } = recordingSender();
    const tool = createSendMessageTool(send);
    const input = tool.inputSchema.parse({ to: 'frontend', message: 'API is at /v2\nsecond line', type: 'request' });
    expect(tool.summarize(input)).toBe('frontend: API is at /v2');
    await expect(tool.execute(input, context)).resolves.toEqual({ output: 'sent request message run-1:design:1:m1 to frontend' });
    expect(sent).toEqual([{ to: 'frontend', messageType: 'request', content: 'API is at /v2\nsecond line' }]);
  });

  it('hands a refusal back as the call\'s error, with the reason', async () => {
    const { send } = recordingSender(() => ({ ok: false, reason: 'no agent or task "ghost" in this run' }));
    const tool = createSendMessageTool(send);
    await expect(tool.execute(tool.inputSchema.parse({ to: 'ghost', message: 'boo' }), context)).rejects.toMatchObject({
      code: 'TOOL_REFUSED',
      message: 'message not sent: no agent or task "ghost" in this run',
    });
  });

  it('refuses every call when not bound to an attempt', async () => {
    await expect(sendMessageTool.execute(sendMessageTool.inputSchema.parse({ to: 'a', message: 'b' }), context)).rejects.toMatchObject({ code: 'TOOL_REFUSED' });
  });
});
