import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LeaseGuard } from '../../src/core/index.js';

/** Leases of two owners over one lease table: what the contract drives. */
export interface LeaseGuardFixture {
  /** A guard for `owner`, which holds `patterns` already (granted as a ticket's admission grants them). */
  guardFor(owner: string, patterns: readonly string[]): LeaseGuard;
  close(): void;
}

/**
 * The contract of the `LeaseGuard` seam (file leases as a task's tools see them), run against every
 * implementation: a held path or a path under a held glob may be written; any other path is refused
 * with a message naming it, and the holder when another owner holds it; a request for free paths
 * is granted and counts at once; one overlapping another owner's lease is refused whole.
 */
export function describeLeaseGuardContract(name: string, createFixture: () => LeaseGuardFixture): void {
  describe(`LeaseGuard contract: ${name}`, () => {
    let fixture: LeaseGuardFixture;
    beforeEach(() => {
      fixture = createFixture();
    });
    afterEach(() => fixture.close());

    it('lets the owner write what it holds, a literal path or anything under a held glob', () => {
      const guard = fixture.guardFor('run:T-1', ['src/a.ts', 'src/lib/**']);
      expect(guard.checkWrite(['src/a.ts', 'src/lib/deep/x.ts'])).toEqual({ ok: true });
      expect([...guard.held()].sort()).toEqual(['src/a.ts', 'src/lib/**']);
    });

    it('refuses a path nobody holds, naming it, and a path another owner holds, naming the holder', () => {
      const mine = fixture.guardFor('run:T-1', ['src/a.ts']);
      fixture.guardFor('run:T-2', ['src/b.ts']);
      const free = mine.checkWrite(['src/a.ts', 'src/c.ts']);
      expect(free.ok).toBe(false);
      if (!free.ok) {
        expect(free.path).toBe('src/c.ts');
        expect(free.message).toContain('src/c.ts');
        expect(free.holder).toBeUndefined();
      }
      const taken = mine.checkWrite(['src/b.ts']);
      expect(taken.ok).toBe(false);
      if (!taken.ok) {
        expect(taken.path).toBe('src/b.ts');
        expect(taken.holder).toBeDefined();
        expect(taken.message).toContain('src/b.ts');
      }
    });

    it('grants a request for free paths at once, and refuses one that overlaps another owner\'s lease whole', () => {
      const mine = fixture.guardFor('run:T-1', ['src/a.ts']);
      const theirs = fixture.guardFor('run:T-2', ['src/b/**']);
      expect(mine.request(['src/c.ts'])).toEqual({ ok: true });
      expect(mine.checkWrite(['src/c.ts'])).toEqual({ ok: true });
      const refused = mine.request(['src/d.ts', 'src/b/x.ts']);
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.message).toContain('src/b/x.ts');
      // Nothing of a refused request was granted.
      expect(mine.checkWrite(['src/d.ts']).ok).toBe(false);
      // The other owner sees the grant too.
      const seen = theirs.checkWrite(['src/c.ts']);
      expect(seen.ok).toBe(false);
      if (!seen.ok) expect(seen.holder).toBeDefined();
    });

    it('refuses an empty request', () => {
      expect(fixture.guardFor('run:T-1', []).request([' ']).ok).toBe(false);
    });
  });
}
