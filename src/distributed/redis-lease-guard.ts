import { checkLeasedWrite, EMPTY_LEASE_REQUEST, toLeaseRefusal, toRequestedPatterns } from '../codebase/index.js';
import type { LeaseCheck, LeaseGuard } from '../core/index.js';
import type { RedisLeaseTable } from './redis-lease-table.js';

/** Options of {@link createRedisLeaseGuard}. */
export interface RedisLeaseGuardOptions {
  /** The run's lease table in Redis (the guard only reads and acquires; releasing is its owner's). */
  readonly table: Pick<RedisLeaseTable, 'acquire' | 'list'>;
  /** Whose leases these are: a ticket run uses `<runId>:<ticketId>`, shared by the team working it. */
  readonly owner: string;
  readonly runId: string;
  readonly taskId: string;
  /** Names the ticket in refusals and in the leases this guard acquires. */
  readonly ticketId?: string;
  /** The team member working the task, recorded on the leases it acquires. */
  readonly member?: string;
  /** Lifetime of a lease granted on request (ms). */
  readonly ttlMs: number;
  /** Epoch ms (injected, so tests drive expiry). */
  readonly now: () => number;
  /** Patterns granted to `owner` before the guard was made (the admission's grant): what `held()` says until the first read. @default [] */
  readonly granted?: readonly string[];
  /** Hears leases granted on request (to journal `lease:acquired`). */
  readonly onAcquired?: (patterns: readonly string[], expiresAt: number) => void;
}

/**
 * A task's file leases over the lease table in Redis, shared by every machine of a distributed
 * run: the store guard's answers and messages. `checkWrite` and `request` read the table each time,
 * so a lease granted, released or expired elsewhere counts at once; `held()` answers from the
 * guard's last read of the table and its own grants since.
 */
export function createRedisLeaseGuard(options: RedisLeaseGuardOptions): LeaseGuard {
  const { table, owner } = options;
  let held: readonly string[] = [...(options.granted ?? [])];
  return {
    held: () => held,
    async checkWrite(paths): Promise<LeaseCheck> {
      const now = options.now();
      // One read answers both: the owner's patterns (expired ones too, until reclaimed, as in SQLite) and the live leases of others.
      const leases = await table.list(now, { includeExpired: true });
      held = leases.filter((lease) => lease.owner === owner).map((lease) => lease.pattern);
      return checkLeasedWrite({ paths, mine: held, leases: leases.filter((lease) => lease.expiresAt > now), owner, ticketId: options.ticketId });
    },
    async request(patterns): Promise<LeaseCheck> {
      const wanted = toRequestedPatterns(patterns);
      if (wanted.length === 0) return EMPTY_LEASE_REQUEST;
      const result = await table.acquire(
        {
          owner,
          runId: options.runId,
          taskId: options.taskId,
          ...(options.ticketId === undefined ? {} : { ticketId: options.ticketId }),
          ...(options.member === undefined ? {} : { member: options.member }),
          patterns: wanted,
          ttlMs: options.ttlMs,
        },
        options.now(),
      );
      if (!result.ok) return toLeaseRefusal(result);
      held = [...held, ...wanted.filter((pattern) => !held.includes(pattern))];
      options.onAcquired?.(wanted, result.expiresAt);
      return { ok: true };
    },
  };
}
