import { z } from 'zod';
import { MESSAGE_TYPES } from '../core/index.js';
import type { RunMessage } from '../core/index.js';

/**
 * A run message as it arrives on a Redis bus channel. Unknown fields are dropped rather than
 * refused, so a worker of a newer version that adds one does not silence an older coordinator.
 */
export const runMessageSchema = z.object({
  messageId: z.string().min(1),
  runId: z.string().min(1),
  taskId: z.string(),
  from: z.string(),
  to: z.string().min(1),
  messageType: z.enum(MESSAGE_TYPES),
  content: z.string(),
  inReplyTo: z.string().exactOptional(),
  at: z.number(),
}) satisfies z.ZodType<RunMessage>;
