import type { LeaseCheck, LeaseGuard } from '../../core/index.js';
import type { CodebaseStore } from '../../store/index.js';
import { checkLeasedWrite, EMPTY_LEASE_REQUEST, toLeaseRefusal, toRequestedPatterns } from './lease-check.js';

/** Options of {@link createStoreLeaseGuard}. */
export interface StoreLeaseGuardOptions {
  readonly store: CodebaseStore;
  /** `<runId>:<ticketId>`: the ticket's leases, whoever of the team works it. */
  readonly owner: string;
  readonly runId: string;
  readonly taskId: string;
  readonly ticketId: string;
  readonly member: string;
  readonly ttlMs: number;
  readonly now: () => number;
  /** Hears leases granted on request (journaled as `lease:acquired`). */
  readonly onAcquired: (patterns: readonly string[], expiresAt: number) => void;
}

/**
 * A ticket's file leases over the journal's lease table: what the `Write`/`Edit`/`Bash` tools of
 * its agent may change, and how the agent asks for more (`RequestLease`). Every answer reads the
 * table, so a lease granted or released by another process counts at once.
 */
export function createStoreLeaseGuard(options: StoreLeaseGuardOptions): LeaseGuard {
  const { store, owner } = options;
  const held = (): string[] => store.leasesOf(owner).map((lease) => lease.pattern);
  return {
    held,
    // Async only for the port (the table is local): a store error rejects rather than throws.
    async checkWrite(paths): Promise<LeaseCheck> {
      return checkLeasedWrite({ paths, mine: held(), leases: store.listLeases(options.now()), owner, ticketId: options.ticketId });
    },
    async request(patterns): Promise<LeaseCheck> {
      const wanted = toRequestedPatterns(patterns);
      if (wanted.length === 0) return EMPTY_LEASE_REQUEST;
      const result = store.acquireLeases(
        { owner, runId: options.runId, taskId: options.taskId, ticketId: options.ticketId, member: options.member, patterns: wanted, ttlMs: options.ttlMs },
        options.now(),
      );
      if (!result.ok) return toLeaseRefusal(result);
      options.onAcquired(wanted, result.expiresAt);
      return { ok: true };
    },
  };
}

/** The lease owner of a ticket in a run. */
export function leaseOwnerOf(runId: string, ticketId: string): string {
  return `${runId}:${ticketId}`;
}
