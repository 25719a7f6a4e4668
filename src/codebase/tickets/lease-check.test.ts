import { describe, expect, it } from 'vitest';
import type { LeaseRecord } from '../../store/index.js';
import { checkLeasedWrite, describeHolder, toLeaseRefusal, toRequestedPatterns } from './lease-check.js';

const lease = (owner: string, pattern: string, extra: Partial<LeaseRecord> = {}): LeaseRecord => ({ owner, pattern, runId: 'r1', taskId: 't', acquiredAt: 0, expiresAt: 60_000, ...extra });

describe('lease answers', () => {
  it('allows paths under the owner\'s patterns and refuses the first that is not, naming the holder and until when', () => {
    const leases = [lease('r1:T-1', 'src/**'), lease('r1:T-2', 'docs/**', { ticketId: 'T-2', member: 'writer' })];
    expect(checkLeasedWrite({ paths: ['src/a.ts', 'src/b/c.ts'], mine: ['src/**'], leases, owner: 'r1:T-1', ticketId: 'T-1' })).toEqual({ ok: true });
    expect(checkLeasedWrite({ paths: ['src/a.ts', 'docs/x.md', 'lib/y.ts'], mine: ['src/**'], leases, owner: 'r1:T-1', ticketId: 'T-1' })).toEqual({
      ok: false,
      path: 'docs/x.md',
      holder: 'T-2 (writer)',
      message: 'docs/x.md is leased by T-2 (writer) until 1970-01-01T00:01:00.000Z',
    });
  });

  it('refuses a path nobody holds with what the owner does hold, for a ticket or outside one', () => {
    // The owner's own lease in the table is never "another holder".
    const leases = [lease('r1:T-1', 'src/**')];
    expect(checkLeasedWrite({ paths: ['lib/y.ts'], mine: ['src/**'], leases, owner: 'r1:T-1', ticketId: 'T-1' })).toEqual({
      ok: false,
      path: 'lib/y.ts',
      message: 'lib/y.ts is not among the files of ticket T-1 (your leases: src/**)',
    });
    expect(checkLeasedWrite({ paths: ['src/y.ts'], mine: [], leases: [], owner: 'exec-1' })).toEqual({
      ok: false,
      path: 'src/y.ts',
      message: 'src/y.ts is not among the files you hold (you hold no leases)',
    });
  });

  it('names every conflict of a refused request, and its first holder', () => {
    const holder = lease('exec-9', 'src/**');
    expect(toLeaseRefusal({ ok: false, conflicts: [{ pattern: 'src/a.ts', holder }, { pattern: 'src/b/**', holder }] })).toEqual({
      ok: false,
      holder: 'exec-9',
      message: 'refused: src/a.ts (held by exec-9); src/b/** (held by exec-9)',
    });
    expect(describeHolder(lease('r1:T-4', 'x', { ticketId: 'T-4' }))).toBe('T-4');
  });

  it('asks only for patterns that name something', () => {
    expect(toRequestedPatterns([' src/a.ts ', '', '  ', 'lib/**'])).toEqual(['src/a.ts', 'lib/**']);
  });
});
