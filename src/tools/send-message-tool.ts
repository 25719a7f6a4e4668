import { z } from 'zod';
import { BROADCAST_RECIPIENT, EnsembleError, MESSAGE_TYPES } from '../core/index.js';
import type { MessageType, OutgoingMessage, SendMessageResult } from '../core/index.js';
import { toSummaryLine } from './to-summary-line.js';
import type { WorkspaceTool } from './workspace-tool.js';

/** The tool's name, Claude Code's. */
export const SEND_MESSAGE_TOOL_NAME = 'SendMessage';

/** What a SendMessage call asks for, once read (Claude Code's `recipient`/`content` spellings folded in). */
export interface SendMessageInput {
  readonly to: string;
  readonly message: string;
  readonly type: MessageType;
  readonly inReplyTo?: string;
}

/** Sends one message for the calling attempt: the run's `DispatchContext.sendMessage`. */
export type MessageSender = (message: OutgoingMessage) => SendMessageResult;

// Claude Code's own type for a plain message; its other kinds (shutdown requests…) mean nothing here.
const TYPE_ALIASES: Readonly<Record<string, MessageType>> = { message: 'data' };

// Tolerant of the model's spelling: ours (`to`, `message`, `in_reply_to`), Claude Code's
// (`recipient`, `content`, `summary`, ignored), camelCase; unknown fields are ignored.
const sendMessageInputSchema = z
  .looseObject({
    to: z.string().optional(),
    recipient: z.string().optional(),
    message: z.string().optional(),
    content: z.string().optional(),
    type: z.string().optional(),
    in_reply_to: z.string().optional(),
    inReplyTo: z.string().optional(),
  })
  .transform((input, context): SendMessageInput => {
    const to = (input.to ?? input.recipient ?? '').trim();
    const message = input.message ?? input.content ?? '';
    if (to === '') context.addIssue({ code: 'custom', path: ['to'], message: 'required: an agent name, a task id, or "*" for every agent of the run' });
    if (message.trim() === '') context.addIssue({ code: 'custom', path: ['message'], message: 'required: the text to send' });
    const typeText = input.type?.trim().toLowerCase();
    let type: MessageType = to === BROADCAST_RECIPIENT ? 'broadcast' : 'data';
    if (typeText !== undefined && typeText !== '') {
      const known = TYPE_ALIASES[typeText] ?? MESSAGE_TYPES.find((candidate) => candidate === typeText);
      if (known === undefined) context.addIssue({ code: 'custom', path: ['type'], message: `"${input.type}" is not one of ${MESSAGE_TYPES.join(', ')}` });
      else type = known;
    }
    const inReplyTo = (input.in_reply_to ?? input.inReplyTo)?.trim();
    return { to, message, type, ...(inReplyTo === undefined || inReplyTo === '' ? {} : { inReplyTo }) };
  });

// What the model is told; the aliases stay unadvertised.
const SEND_MESSAGE_JSON_SCHEMA: Readonly<Record<string, unknown>> = {
  type: 'object',
  properties: {
    to: { type: 'string', description: 'The recipient: an agent name or a task id of this run, or "*" for every agent' },
    message: { type: 'string', description: 'The message text' },
    type: { type: 'string', enum: [...MESSAGE_TYPES], description: 'data (default), request (you expect an answer), response (answers a request: give in_reply_to), broadcast (default for "*")' },
    in_reply_to: { type: 'string', description: 'For a response: the id of the request it answers' },
  },
  required: ['to', 'message'],
  additionalProperties: false,
};

/**
 * `SendMessage` (Claude Code's name): sends an agent message from the calling task, journaled as
 * `agent:message`. The model is answered with the message's id, or told why it was refused
 * (unknown recipient, over the task's limit) as the call's error. `send` is the attempt's sender; a
 * tool without one (the entry in {@link createBuiltinTools}) refuses every call, so runtimes offer
 * the bound copy of each attempt instead.
 */
export function createSendMessageTool(send?: MessageSender): WorkspaceTool<SendMessageInput> {
  return {
    name: SEND_MESSAGE_TOOL_NAME,
    permission: 'read',
    description: [
      'Sends a message to another agent of this run, by its agent name or task id, or to every agent with to "*".',
      'Tasks that have not started yet receive it in their context; agents already running as processes find it in their message file.',
      'Use type request when you expect an answer, and type response with in_reply_to (the request\'s id) to answer one. The result is the message\'s id.',
    ].join(' '),
    inputSchema: sendMessageInputSchema,
    inputJsonSchema: SEND_MESSAGE_JSON_SCHEMA,
    summarize: (input) => toSummaryLine(`${input.to}: ${input.message.trim().split('\n')[0] ?? ''}`),
    execute(input) {
      if (send === undefined) return Promise.reject(new EnsembleError('TOOL_REFUSED', 'SendMessage is not available: agent messages are off in this run'));
      const result = send({ to: input.to, messageType: input.type, content: input.message, ...(input.inReplyTo === undefined ? {} : { inReplyTo: input.inReplyTo }) });
      if (!result.ok) return Promise.reject(new EnsembleError('TOOL_REFUSED', `message not sent: ${result.reason}`, { details: { to: input.to } }));
      return Promise.resolve({ output: `sent ${result.message.messageType} message ${result.message.messageId} to ${result.message.to}` });
    },
  };
}

/** The unbound entry, for selection only (see {@link createSendMessageTool}). */
export const sendMessageTool: WorkspaceTool<SendMessageInput> = createSendMessageTool();
