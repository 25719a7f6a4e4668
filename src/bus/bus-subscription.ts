import { isMessageFor, type MessageRecipient, type RunMessage } from '../core/index.js';

/** One `subscribe()` of a bus: who it listens as, and its handler (inactive once ended). */
export interface BusSubscription {
  readonly recipient: MessageRecipient | '*';
  readonly handler: (message: RunMessage) => void;
  isActive: boolean;
}

/** One `waitForResponse()` of a bus. */
export interface ResponseWaiter {
  readonly requestId: string;
  readonly resolve: (message: RunMessage) => void;
  readonly reject: (reason: unknown) => void;
}

/** Whether a subscription as `recipient` receives `message` (to its task id, its agent name, or `*`); `'*'` receives all. */
export function receives(recipient: MessageRecipient | '*', message: RunMessage): boolean {
  return recipient === '*' || isMessageFor(message, { id: recipient.taskId, agentName: recipient.agentName });
}
