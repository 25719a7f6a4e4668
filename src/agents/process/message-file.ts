import { appendFileSync, writeFileSync } from 'node:fs';
import type { RunMessage } from '../../core/index.js';
import type { AttemptMessaging } from '../attempt-messaging.js';
import { isFromOthers } from '../attempt-messaging.js';

/** A running process agent's message file; {@link MessageFile.close} before its folder is removed. */
export interface MessageFile {
  /** Stops appending (ends the bus subscription). */
  close(): Promise<void>;
}

/**
 * Creates `path` (mode 0600) holding every message the task received from other tasks so far, one
 * JSON object per line (a journaled `RunMessage`: messageId, runId, taskId, from, to, messageType,
 * content, inReplyTo, at), and appends each later one while the process runs, as the run's bus
 * delivers it. Each line is written whole by one append, in the order the bus delivers; a message
 * both journaled before and heard on the bus is written once. Without messaging (the run's
 * communication is off) the file stays empty; without a bus it holds what was journaled at the start.
 */
export async function openMessageFile(path: string, runId: string, messaging: AttemptMessaging | undefined): Promise<MessageFile> {
  writeFileSync(path, '', { mode: 0o600 });
  if (messaging === undefined) return { close: () => Promise.resolve() };
  const written = new Set<string>();
  let isOpen = true;
  // Heard before what was journaled is written: held back, so the file keeps the run's order.
  let heldBack: RunMessage[] | undefined = [];
  const write = (message: RunMessage): void => {
    if (!isOpen || written.has(message.messageId) || !isFromOthers(message, messaging.recipient)) return;
    written.add(message.messageId);
    appendFileSync(path, `${JSON.stringify(message)}\n`);
  };
  const unsubscribe = messaging.bus === undefined ? undefined : await messaging.bus.subscribe(runId, messaging.recipient, (message) => (heldBack === undefined ? write(message) : heldBack.push(message)));
  for (const message of messaging.received()) write(message);
  const late = heldBack;
  heldBack = undefined;
  for (const message of late) write(message);
  return {
    close: async () => {
      if (!isOpen) return;
      isOpen = false;
      await unsubscribe?.();
    },
  };
}
