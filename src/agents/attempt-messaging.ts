import type { DispatchContext, LeaseGuard, MessageBus, MessageRecipient, RunMessage } from '../core/index.js';
import type { AgentInvocation } from './agent-runtime.js';

/**
 * What one attempt may do with the run's agent messages and shared context store. The local
 * dispatcher hands it to runtimes only when the run's communication is on (`enableCommunication`),
 * so its absence means: no SendMessage tool, no live message file, sends refused.
 */
export interface AttemptMessaging {
  /** The task as a recipient (its id and agent name). */
  readonly recipient: MessageRecipient;
  readonly send: DispatchContext['sendMessage'];
  readonly received: DispatchContext['receivedMessages'];
  readonly readShared: DispatchContext['readShared'];
  readonly updateShared: DispatchContext['updateShared'];
  /** The run's bus, to hear messages while the attempt runs; absent: only what was journaled before it asks. */
  readonly bus?: MessageBus;
}

/** The attempt's messaging, when the dispatcher gave it one. */
export function messagingOf(invocation: AgentInvocation): AttemptMessaging | undefined {
  return invocation.messaging;
}

/** An invocation that may carry the task's file leases (`DispatchContext.leases`, `locks` mode). */
export type LeasedInvocation = AgentInvocation;

/** The attempt's file leases, when the dispatcher was given some: tools check writes against them. */
export function leasesOf(invocation: AgentInvocation): LeaseGuard | undefined {
  return invocation.leases;
}

/**
 * Whether `message` is one the task receives from someone else: a task does not receive what it
 * sent itself, even to `*` or to its own agent name.
 */
export function isFromOthers(message: RunMessage, recipient: MessageRecipient): boolean {
  return message.taskId !== recipient.taskId;
}
