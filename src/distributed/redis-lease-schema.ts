import { z } from 'zod';
import { acquireLeasesInputSchema, listLeasesOptionsSchema } from '../store/index.js';

// The same rules as the SQLite table's input: a request the one table refuses, the other refuses too.
/** What `RedisLeaseTable.acquire` takes: strict, so a misspelt field surfaces. */
export const redisAcquireLeasesInputSchema = acquireLeasesInputSchema;

/** `RedisLeaseTable.list` options. */
export const redisListLeasesOptionsSchema = listLeasesOptionsSchema;

/**
 * One lease as stored in the table's hash (JSON): tolerant of fields it does not know, so a newer
 * ensemble's records are still read by an older one sharing the Redis.
 */
export const redisLeaseRecordSchema = z.object({
  pattern: z.string().min(1),
  owner: z.string().min(1),
  runId: z.string(),
  taskId: z.string(),
  ticketId: z.string().optional(),
  member: z.string().optional(),
  acquiredAt: z.number(),
  expiresAt: z.number(),
});
