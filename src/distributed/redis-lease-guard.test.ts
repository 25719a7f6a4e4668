import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedisServer } from '../../test/helpers/redis-server.js';
import { createRedisLeaseGuard } from './redis-lease-guard.js';
import { createRedisLeaseTable, type RedisLeaseTable } from './redis-lease-table.js';

// What the contract (test/contracts/redis-lease-guard.test.ts) leaves to each guard: what it records
// on the leases it takes, what it reports, and its messages outside a ticket run.
let server: TestRedisServer;
let table: RedisLeaseTable;
let prefixes = 0;
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => {
  await server.dispose();
});
afterEach(async () => {
  await table.close();
});

function openTable(): RedisLeaseTable {
  table = createRedisLeaseTable({ connect: () => new Redis(server.url, { maxRetriesPerRequest: 1 }), prefix: `lease-guard-${++prefixes}` });
  return table;
}

describe('Redis lease guard', () => {
  it('records the task, ticket and member on the leases it is granted, and reports the grant', async () => {
    const leases = openTable();
    const granted: [readonly string[], number][] = [];
    const guard = createRedisLeaseGuard({
      table: leases,
      owner: 'r1:T-3',
      runId: 'r1',
      taskId: 'T-3',
      ticketId: 'T-3',
      member: 'coder-2',
      ttlMs: 500,
      now: () => 1_000,
      onAcquired: (patterns, expiresAt) => void granted.push([patterns, expiresAt]),
    });
    expect(await guard.request([' src/a.ts ', '', 'src/b/**'])).toEqual({ ok: true });
    expect(granted).toEqual([[['src/a.ts', 'src/b/**'], 1_500]]);
    expect(await leases.leasesOf('r1:T-3')).toEqual([
      { pattern: 'src/a.ts', owner: 'r1:T-3', runId: 'r1', taskId: 'T-3', ticketId: 'T-3', member: 'coder-2', acquiredAt: 1_000, expiresAt: 1_500 },
      { pattern: 'src/b/**', owner: 'r1:T-3', runId: 'r1', taskId: 'T-3', ticketId: 'T-3', member: 'coder-2', acquiredAt: 1_000, expiresAt: 1_500 },
    ]);
    const other = createRedisLeaseGuard({ table: leases, owner: 'r1:T-4', runId: 'r1', taskId: 'T-4', ticketId: 'T-4', ttlMs: 500, now: () => 1_200 });
    expect(await other.checkWrite(['src/b/c.ts'])).toEqual({
      ok: false,
      path: 'src/b/c.ts',
      holder: 'T-3 (coder-2)',
      message: `src/b/c.ts is leased by T-3 (coder-2) until ${new Date(1_500).toISOString()}`,
    });
    expect(await other.request(['docs/**', 'src/b/d.ts'])).toEqual({ ok: false, holder: 'T-3 (coder-2)', message: 'refused: src/b/d.ts (held by T-3 (coder-2))' });
    expect(await other.checkWrite(['docs/x.md'])).toMatchObject({ ok: false, message: 'docs/x.md is not among the files of ticket T-4 (you hold no leases)' });
  });

  it('outside a ticket run, names the raw owner and speaks of the files the task holds', async () => {
    const leases = openTable();
    const mine = createRedisLeaseGuard({ table: leases, owner: 'exec-1', runId: 'r1', taskId: 'build', ttlMs: 500, now: () => 1_000 });
    expect(await mine.request(['dist/**'])).toEqual({ ok: true });
    expect(await mine.checkWrite(['src/x.ts'])).toEqual({ ok: false, path: 'src/x.ts', message: 'src/x.ts is not among the files you hold (your leases: dist/**)' });
    const theirs = createRedisLeaseGuard({ table: leases, owner: 'exec-2', runId: 'r1', taskId: 'test', ttlMs: 500, now: () => 1_000 });
    const refused = await theirs.checkWrite(['dist/a.js']);
    expect(refused.ok === false && refused.holder).toBe('exec-1');
  });

  it('answers held() from what it was granted until it reads the table, then from the table', async () => {
    const leases = openTable();
    await leases.acquire({ owner: 'r1:T-1', runId: 'r1', taskId: 'T-1', patterns: ['src/a.ts'], ttlMs: 500 }, 1_000);
    const guard = createRedisLeaseGuard({ table: leases, owner: 'r1:T-1', runId: 'r1', taskId: 'T-1', ttlMs: 500, now: () => 1_000, granted: ['src/a.ts'] });
    expect(guard.held()).toEqual(['src/a.ts']);
    // Another member of the team (same owner) takes more; the next read shows it.
    await leases.acquire({ owner: 'r1:T-1', runId: 'r1', taskId: 'T-1', patterns: ['src/b.ts'], ttlMs: 500 }, 1_100);
    expect(await guard.checkWrite(['src/b.ts'])).toEqual({ ok: true });
    expect(guard.held()).toEqual(['src/a.ts', 'src/b.ts']);
  });
});
