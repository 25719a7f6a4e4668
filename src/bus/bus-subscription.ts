import { EnsembleError, isMessageFor, type MessageRecipient, type RunMessage } from '../core/index.js';

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

/** A run's listeners on one bus (memory or Redis): what every bus delivers to the same way. */
export interface RunListeners {
  readonly subscriptions: Set<BusSubscription>;
  readonly waiters: Set<ResponseWaiter>;
}

/** Whether a subscription as `recipient` receives `message` (to its task id, its agent name, or `*`); `'*'` receives all. */
export function receives(recipient: MessageRecipient | '*', message: RunMessage): boolean {
  return recipient === '*' || isMessageFor(message, { id: recipient.taskId, agentName: recipient.agentName });
}

/**
 * Hands `message` to the run's active subscriptions that receive it, then to the waiters of the
 * request it answers. A subscriber that throws is reported and the others still get the message.
 */
export function deliverToListeners(listeners: RunListeners, message: RunMessage, onHandlerError: (error: unknown) => void): void {
  // A snapshot: subscribing from a handler starts with the next message.
  for (const subscription of [...listeners.subscriptions]) {
    if (!subscription.isActive || !receives(subscription.recipient, message)) continue;
    try {
      subscription.handler(message);
    } catch (error) {
      onHandlerError(error);
    }
  }
  if (message.messageType !== 'response' || message.inReplyTo === undefined) return;
  for (const waiter of [...listeners.waiters]) if (waiter.requestId === message.inReplyTo) waiter.resolve(message);
}

/**
 * Adds a waiter for the response to `requestId`: it settles once, with the response or with
 * `signal.reason`, leaves `listeners.waiters` and then calls `onSettled` (a bus forgets an idle run).
 */
export function addResponseWaiter(listeners: RunListeners, requestId: string, signal: AbortSignal, onSettled: () => void): { readonly response: Promise<RunMessage>; readonly waiter: ResponseWaiter } {
  let waiter!: ResponseWaiter;
  const response = new Promise<RunMessage>((resolve, reject) => {
    const finish = (): void => {
      signal.removeEventListener('abort', onAbort);
      listeners.waiters.delete(waiter);
      onSettled();
    };
    waiter = {
      requestId,
      resolve: (message) => {
        finish();
        resolve(message);
      },
      reject: (reason) => {
        finish();
        reject(reason);
      },
    };
    const onAbort = (): void => waiter.reject(signal.reason);
    listeners.waiters.add(waiter);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  return { response, waiter };
}

/** Ends a run's subscriptions and rejects its waiters: the bus is closing. */
export function endListeners(listeners: RunListeners): void {
  for (const subscription of listeners.subscriptions) subscription.isActive = false;
  listeners.subscriptions.clear();
  for (const waiter of [...listeners.waiters]) waiter.reject(busClosedError(`wait for the response to ${waiter.requestId}`));
}

/** What a closed bus refuses every call with. */
export function busClosedError(action: string): EnsembleError {
  return new EnsembleError('INTERNAL', `message bus is closed: cannot ${action}`, { details: { reason: 'bus-closed' } });
}
