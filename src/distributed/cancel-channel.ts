import type { Redis } from 'ioredis';
import { z } from 'zod';
import { deserializeError, serializeError, type EnsembleError, type Logger, type SerializedError } from '../core/index.js';
import type { DispatchKeys } from './redis-keys.js';
import { serializedErrorSchema } from './task-job.js';

/** Seconds a cancel mark lives: longer than any job waits in the queue in practice. */
export const CANCEL_MARK_TTL_SECONDS = 3_600;

const cancelMessageSchema = z.looseObject({ executionId: z.string().min(1), reason: serializedErrorSchema });

function toReason(json: string): { executionId?: string; reason: EnsembleError } | undefined {
  try {
    const parsed = cancelMessageSchema.safeParse(JSON.parse(json));
    if (!parsed.success) return undefined;
    return { executionId: parsed.data.executionId, reason: deserializeError(parsed.data.reason as SerializedError) };
  } catch {
    return undefined;
  }
}

/**
 * Cancels an execution wherever it is: marks it (`cancelled:<id>`, EX 3600) for a worker that takes
 * its job later, then tells running workers on the cancel channel. The mark goes first, so a worker
 * that checks it after subscribing cannot miss both.
 */
export async function requestCancel(redis: Redis, keys: DispatchKeys, executionId: string, reason: EnsembleError): Promise<void> {
  const json = JSON.stringify({ executionId, reason: serializeError(reason) });
  await redis.set(keys.cancelled(executionId), json, 'EX', CANCEL_MARK_TTL_SECONDS);
  await redis.publish(keys.cancelChannel, json);
}

/** The reason an execution was cancelled with, if it was. */
export async function readCancel(redis: Redis, keys: DispatchKeys, executionId: string): Promise<EnsembleError | undefined> {
  const json = await redis.get(keys.cancelled(executionId));
  return json === null ? undefined : toReason(json)?.reason;
}

/**
 * Calls `onCancel` for every cancel published from now on, on `subscriber` (a connection of its
 * own: a subscribed connection runs no other command). Resolves once subscribed, with the function
 * that unsubscribes and closes it.
 */
export async function subscribeCancels(
  subscriber: Redis,
  keys: DispatchKeys,
  onCancel: (executionId: string, reason: EnsembleError) => void,
  logger: Logger,
): Promise<() => Promise<void>> {
  subscriber.on('message', (channel: string, json: string) => {
    if (channel !== keys.cancelChannel) return;
    const cancel = toReason(json);
    if (cancel?.executionId === undefined) {
      logger.warn(`ignored a malformed cancel on ${channel}`);
      return;
    }
    onCancel(cancel.executionId, cancel.reason);
  });
  await subscriber.subscribe(keys.cancelChannel);
  return async () => {
    try {
      await subscriber.quit();
    } catch {
      subscriber.disconnect();
    }
  };
}
