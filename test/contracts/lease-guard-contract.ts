import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LeaseGuard } from '../../src/core/index.js';

/** How long the fixture's leases last (ms): the contract moves its clock past it to expire them. */
export const LEASE_CONTRACT_TTL_MS = 60_000;

/** What the contract hands a fixture: the time every lease and guard of it must read. */
export interface LeaseGuardSetup {
  /** Epoch ms; the contract moves it forward. */
  readonly now: () => number;
  /** TTL of every lease the fixture grants, before or through a guard (ms). */
  readonly ttlMs: number;
}

/** Leases of several owners over one lease table: what the contract drives. */
export interface LeaseGuardFixture {
  /** A guard for `owner`, which holds `patterns` already (granted as a ticket's admission grants them). */
  guardFor(owner: string, patterns: readonly string[]): LeaseGuard | Promise<LeaseGuard>;
  /** Releases every lease of `owner`, as a commit does. */
  release(owner: string): void | Promise<void>;
  close(): void | Promise<void>;
}

/**
 * The contract of the `LeaseGuard` seam (file leases as a task's tools see them), run against every
 * implementation: a held path or a path under a held glob may be written; any other path is refused
 * with a message naming it, and the holder when another owner holds it; a request for free paths
 * is granted and counts at once; one overlapping another owner's lease is refused whole; an expired
 * lease blocks nobody; a release frees its paths at once.
 */
export function describeLeaseGuardContract(name: string, createFixture: (setup: LeaseGuardSetup) => LeaseGuardFixture | Promise<LeaseGuardFixture>): void {
  describe(`LeaseGuard contract: ${name}`, () => {
    let fixture: LeaseGuardFixture;
    let nowMs: number;
    beforeEach(async () => {
      nowMs = 1_700_000_000_000;
      fixture = await createFixture({ now: () => nowMs, ttlMs: LEASE_CONTRACT_TTL_MS });
    });
    afterEach(async () => {
      await fixture.close();
    });

    it('lets the owner write what it holds, a literal path or anything under a held glob', async () => {
      const guard = await fixture.guardFor('run:T-1', ['src/a.ts', 'src/lib/**']);
      expect([...guard.held()].sort()).toEqual(['src/a.ts', 'src/lib/**']);
      expect(await guard.checkWrite(['src/a.ts', 'src/lib/deep/x.ts'])).toEqual({ ok: true });
      expect([...guard.held()].sort()).toEqual(['src/a.ts', 'src/lib/**']);
    });

    it('refuses a path nobody holds, naming it, and a path another owner holds, naming the holder', async () => {
      const mine = await fixture.guardFor('run:T-1', ['src/a.ts']);
      await fixture.guardFor('run:T-2', ['src/b.ts']);
      const free = await mine.checkWrite(['src/a.ts', 'src/c.ts']);
      expect(free.ok).toBe(false);
      if (!free.ok) {
        expect(free.path).toBe('src/c.ts');
        expect(free.message).toContain('src/c.ts');
        expect(free.holder).toBeUndefined();
      }
      const taken = await mine.checkWrite(['src/b.ts']);
      expect(taken.ok).toBe(false);
      if (!taken.ok) {
        expect(taken.path).toBe('src/b.ts');
        expect(taken.holder).toBeDefined();
        expect(taken.message).toContain('src/b.ts');
      }
    });

    it('grants a request for free paths at once, and refuses one that overlaps another owner\'s lease whole', async () => {
      const mine = await fixture.guardFor('run:T-1', ['src/a.ts']);
      const theirs = await fixture.guardFor('run:T-2', ['src/b/**']);
      expect(await mine.request(['src/c.ts'])).toEqual({ ok: true });
      // What RequestLease answers with right after a grant.
      expect([...mine.held()].sort()).toEqual(['src/a.ts', 'src/c.ts']);
      expect(await mine.checkWrite(['src/c.ts'])).toEqual({ ok: true });
      const refused = await mine.request(['src/d.ts', 'src/b/x.ts']);
      expect(refused.ok).toBe(false);
      if (!refused.ok) {
        expect(refused.message).toContain('src/b/x.ts');
        expect(refused.holder).toBeDefined();
      }
      // Nothing of a refused request was granted.
      expect((await mine.checkWrite(['src/d.ts'])).ok).toBe(false);
      expect(mine.held()).not.toContain('src/d.ts');
      // The other owner sees the grant too.
      const seen = await theirs.checkWrite(['src/c.ts']);
      expect(seen.ok).toBe(false);
      if (!seen.ok) expect(seen.holder).toBeDefined();
    });

    it('refuses an empty request', async () => {
      const guard = await fixture.guardFor('run:T-1', []);
      expect((await guard.request([' '])).ok).toBe(false);
    });

    it('does not let an expired lease block: its path is nobody\'s, and another owner may take it', async () => {
      await fixture.guardFor('run:T-1', ['src/x/**']);
      const other = await fixture.guardFor('run:T-2', []);
      const before = await other.request(['src/x/y.ts']);
      expect(before.ok).toBe(false);
      nowMs += LEASE_CONTRACT_TTL_MS + 1;
      const unheld = await other.checkWrite(['src/x/y.ts']);
      expect(unheld.ok).toBe(false);
      if (!unheld.ok) expect(unheld.holder).toBeUndefined();
      expect(await other.request(['src/x/y.ts'])).toEqual({ ok: true });
      expect(await other.checkWrite(['src/x/y.ts'])).toEqual({ ok: true });
    });

    it('frees a released owner\'s paths at once, for others and for the owner itself', async () => {
      const mine = await fixture.guardFor('run:T-1', ['src/x/**']);
      const other = await fixture.guardFor('run:T-2', []);
      expect((await other.request(['src/x/y.ts'])).ok).toBe(false);
      await fixture.release('run:T-1');
      expect(await other.request(['src/x/y.ts'])).toEqual({ ok: true });
      const after = await mine.checkWrite(['src/x/z.ts']);
      expect(after.ok).toBe(false);
      expect(mine.held()).toEqual([]);
    });
  });
}
