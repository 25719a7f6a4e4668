import { z } from 'zod';
import type { ProviderPauseNotice } from './provider-pause-channel.js';

/**
 * A provider pause as another process announced it on Redis (pub/sub, or the key that keeps it
 * while it is in force). Unknown fields are dropped, so a newer worker's additions do not make an
 * older one ignore a 429.
 */
export const providerPauseNoticeSchema = z.object({
  provider: z.string().min(1),
  pausedUntil: z.number().finite(),
  retryAfterMs: z.number().finite().nonnegative(),
  origin: z.string().min(1),
}) satisfies z.ZodType<ProviderPauseNotice>;
