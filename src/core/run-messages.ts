/** Kinds of agent messages (DESIGN.md, "Communication"). */
export const MESSAGE_TYPES = ['data', 'request', 'response', 'broadcast'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** The recipient that means every agent of the run. */
export const BROADCAST_RECIPIENT = '*';

/**
 * One message between agents of a run, as journaled (`agent:message`) and carried on the bus.
 * `to` is an agent name, a task id, or `*` for every agent.
 */
export interface RunMessage {
  /** `<executionId>:m<n>`: unique in the run, stable across resumes (the execution id is). */
  readonly messageId: string;
  readonly runId: string;
  /** The sending task. */
  readonly taskId: string;
  /** The sending agent (also `from`). */
  readonly from: string;
  readonly to: string;
  readonly messageType: MessageType;
  readonly content: string;
  /** For a `response`: the `messageId` of the request it answers. */
  readonly inReplyTo?: string;
  /** Epoch ms it was journaled. */
  readonly at: number;
}

/** What an agent asks to send; the scheduler gives it an id, checks the limits and the recipient, and journals it. */
export interface OutgoingMessage {
  readonly to: string;
  readonly messageType: MessageType;
  readonly content: string;
  readonly inReplyTo?: string;
}

/** One version of one key of the run's shared context store (`context:update` events are its history). */
export interface SharedContextEntry {
  readonly key: string;
  readonly value: string;
  /** 1 for the first write of the key, +1 per update. */
  readonly version: number;
  /** The agent and task that wrote it. */
  readonly agentName: string;
  readonly taskId: string;
  /** Epoch ms. */
  readonly at: number;
}

/** Per-task limits on what an agent may send (DESIGN.md, "Communication"). */
export interface MessageLimits {
  /** Messages one task may send over all its attempts. @default 20 */
  readonly maxMessagesPerTask: number;
  /** Characters of one message's content. @default 16000 */
  readonly maxMessageChars: number;
}

export const DEFAULT_MESSAGE_LIMITS: MessageLimits = Object.freeze({ maxMessagesPerTask: 20, maxMessageChars: 16_000 });

/** Is `to` a recipient of the run: `*`, a task id, or the agent name of one of its tasks. */
export function isMessageFor(message: Pick<RunMessage, 'to'>, task: { readonly id: string; readonly agentName: string }): boolean {
  return message.to === BROADCAST_RECIPIENT || message.to === task.id || message.to === task.agentName;
}
