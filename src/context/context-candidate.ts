import type { ContextRelation, MessageType, RunMessage, SharedContextEntry, TaskSpec } from '../core/index.js';

/** A piece of context a strategy may hand a task, before pruning decides how. */
export interface ContextCandidate {
  /** `output:<taskId>`, `message:<messageId>` or `shared:<key>@<version>`, as receipts name it. */
  readonly key: string;
  readonly relation: ContextRelation;
  /** The task id (outputs), the sending agent (messages) or the store key (shared). */
  readonly source: string;
  /** The agent that produced it. */
  readonly agentName: string;
  readonly text: string;
  /** How trim markers and summary headers name it: `the output of task design (solutions-architect)`. */
  readonly label: string;
  /** For a message: its type. */
  readonly messageType?: MessageType;
}

export const outputKey = (taskId: string): string => `output:${taskId}`;
export const messageKey = (messageId: string): string => `message:${messageId}`;
export const sharedKey = (key: string, version: number): string => `shared:${key}@${version}`;

/** A task's output as a candidate. */
export function outputCandidate(task: TaskSpec, relation: ContextRelation, text: string): ContextCandidate {
  return { key: outputKey(task.id), relation, source: task.id, agentName: task.agentName, text, label: `the output of task ${task.id} (${task.agentName})` };
}

/** An agent message as a candidate. */
export function messageCandidate(message: RunMessage): ContextCandidate {
  return {
    key: messageKey(message.messageId),
    relation: 'message',
    source: message.from,
    agentName: message.from,
    text: message.content,
    label: `the ${message.messageType} message ${message.messageId} from ${message.from}`,
    messageType: message.messageType,
  };
}

/** One version of a shared context entry as a candidate. */
export function sharedCandidate(entry: SharedContextEntry): ContextCandidate {
  return {
    key: sharedKey(entry.key, entry.version),
    relation: 'shared',
    source: entry.key,
    agentName: entry.agentName,
    text: entry.value,
    label: `the shared context entry ${entry.key} (version ${entry.version}, by ${entry.agentName})`,
  };
}

/** What a receipt key names, parsed back (replaying a receipt). */
export type ParsedContextKey =
  | { readonly kind: 'output'; readonly taskId: string }
  | { readonly kind: 'message'; readonly messageId: string }
  | { readonly kind: 'shared'; readonly key: string; readonly version: number };

/** Parses a receipt key; undefined when it is none of the three forms. */
export function parseContextKey(key: string): ParsedContextKey | undefined {
  if (key.startsWith('output:')) return { kind: 'output', taskId: key.slice('output:'.length) };
  if (key.startsWith('message:')) return { kind: 'message', messageId: key.slice('message:'.length) };
  if (key.startsWith('shared:')) {
    // A store key may itself contain `@`: the version is after the last one.
    const body = key.slice('shared:'.length);
    const at = body.lastIndexOf('@');
    const version = Number(body.slice(at + 1));
    if (at <= 0 || !Number.isInteger(version) || version < 1) return undefined;
    return { kind: 'shared', key: body.slice(0, at), version };
  }
  return undefined;
}
