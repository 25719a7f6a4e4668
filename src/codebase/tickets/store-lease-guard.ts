import { matchesGlob, type LeaseCheck, type LeaseGuard } from '../../core/index.js';
import type { CodebaseStore, LeaseRecord } from '../../store/index.js';

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
    checkWrite(paths): LeaseCheck {
      const mine = held();
      for (const path of paths) {
        if (mine.some((pattern) => matchesGlob(path, pattern))) continue;
        const holder = store.listLeases(options.now()).find((lease) => lease.owner !== owner && matchesGlob(path, lease.pattern));
        if (holder !== undefined) {
          return { ok: false, path, holder: describeHolder(holder), message: `${path} is leased by ${describeHolder(holder)} until ${new Date(holder.expiresAt).toISOString()}` };
        }
        const yours = mine.length === 0 ? 'you hold no leases' : `your leases: ${mine.join(', ')}`;
        return { ok: false, path, message: `${path} is not among the files of ticket ${options.ticketId} (${yours})` };
      }
      return { ok: true };
    },
    request(patterns): LeaseCheck {
      const wanted = patterns.map((pattern) => pattern.trim()).filter((pattern) => pattern !== '');
      if (wanted.length === 0) return { ok: false, message: 'name at least one path or glob' };
      const result = store.acquireLeases(
        { owner, runId: options.runId, taskId: options.taskId, ticketId: options.ticketId, member: options.member, patterns: wanted, ttlMs: options.ttlMs },
        options.now(),
      );
      if (result.ok) {
        options.onAcquired(wanted, result.expiresAt);
        return { ok: true };
      }
      const conflicts = result.conflicts.map((conflict) => `${conflict.pattern} (held by ${describeHolder(conflict.holder)})`);
      const [first] = result.conflicts;
      return { ok: false, message: `refused: ${conflicts.join('; ')}`, ...(first === undefined ? {} : { holder: describeHolder(first.holder) }) };
    },
  };
}

/** `T-4 (coder-2)`, or the raw owner for a lease taken outside a ticket run. */
export function describeHolder(lease: LeaseRecord): string {
  if (lease.ticketId === undefined) return lease.owner;
  return lease.member === undefined ? lease.ticketId : `${lease.ticketId} (${lease.member})`;
}

/** The lease owner of a ticket in a run. */
export function leaseOwnerOf(runId: string, ticketId: string): string {
  return `${runId}:${ticketId}`;
}
