import { matchesGlob, type LeaseCheck } from '../../core/index.js';
import type { AcquireLeasesResult, LeaseRecord } from '../../store/index.js';

// What every `LeaseGuard` answers, decided from one read of its lease table (SQLite or Redis), so
// the model reads the same refusals whichever table a run uses.

/** What {@link checkLeasedWrite} decides from. */
export interface LeasedWriteInput {
  /** Workspace-relative POSIX paths the task wants to write. */
  readonly paths: readonly string[];
  /** The patterns the owner holds (expired ones too, until an acquire reclaims them). */
  readonly mine: readonly string[];
  /** Unexpired leases of the table, any owner (the owner's own are skipped). */
  readonly leases: readonly LeaseRecord[];
  readonly owner: string;
  /** Names the ticket in the refusal of a path nobody holds; absent, the refusal speaks of "your leases". */
  readonly ticketId?: string | undefined;
}

/**
 * Whether the owner may write `paths`: ok when each is covered by one of its patterns; otherwise a
 * refusal of the first path that is not, naming the other owner holding it (and until when), or
 * else what the owner does hold.
 */
export function checkLeasedWrite(input: LeasedWriteInput): LeaseCheck {
  const { mine } = input;
  for (const path of input.paths) {
    if (mine.some((pattern) => matchesGlob(path, pattern))) continue;
    const holder = input.leases.find((lease) => lease.owner !== input.owner && matchesGlob(path, lease.pattern));
    if (holder !== undefined) {
      return { ok: false, path, holder: describeHolder(holder), message: `${path} is leased by ${describeHolder(holder)} until ${new Date(holder.expiresAt).toISOString()}` };
    }
    const yours = mine.length === 0 ? 'you hold no leases' : `your leases: ${mine.join(', ')}`;
    const scope = input.ticketId === undefined ? 'the files you hold' : `the files of ticket ${input.ticketId}`;
    return { ok: false, path, message: `${path} is not among ${scope} (${yours})` };
  }
  return { ok: true };
}

/** The patterns of a request worth asking for: trimmed, blanks dropped. */
export function toRequestedPatterns(patterns: readonly string[]): string[] {
  return patterns.map((pattern) => pattern.trim()).filter((pattern) => pattern !== '');
}

/** The answer to a request that names nothing. */
export const EMPTY_LEASE_REQUEST: LeaseCheck = { ok: false, message: 'name at least one path or glob' };

/** A refused acquire as the model reads it: every conflicting pattern with its holder. */
export function toLeaseRefusal(result: Extract<AcquireLeasesResult, { ok: false }>): LeaseCheck {
  const conflicts = result.conflicts.map((conflict) => `${conflict.pattern} (held by ${describeHolder(conflict.holder)})`);
  const [first] = result.conflicts;
  return { ok: false, message: `refused: ${conflicts.join('; ')}`, ...(first === undefined ? {} : { holder: describeHolder(first.holder) }) };
}

/** `T-4 (coder-2)`, or the raw owner for a lease taken outside a ticket run. */
export function describeHolder(lease: LeaseRecord): string {
  if (lease.ticketId === undefined) return lease.owner;
  return lease.member === undefined ? lease.ticketId : `${lease.ticketId} (${lease.member})`;
}
