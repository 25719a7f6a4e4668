import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rejection } from '../../test/helpers/rejection.js';
import { startTestRedis, type TestRedisServer } from '../../test/helpers/redis-server.js';
import { createRedisLeaseTable, type RedisLeaseTable } from './redis-lease-table.js';

let server: TestRedisServer;
beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => {
  await server.dispose();
});

let prefixes = 0;
const opened: { close(): Promise<void> }[] = [];
const clients: Redis[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((table) => table.close()));
  clients.splice(0).forEach((client) => client.disconnect());
});

const connect = (): Redis => new Redis(server.url, { maxRetriesPerRequest: 1 });

/** A table under a prefix of the test's own; `prefix` shares one between tables (as two processes do). */
function openTable(prefix: string, options: { readonly connect?: () => Redis; readonly maxAttempts?: number } = {}): RedisLeaseTable {
  const table = createRedisLeaseTable({ connect: options.connect ?? connect, prefix, ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }) });
  opened.push(table);
  return table;
}

const nextPrefix = (): string => `lease-table-${++prefixes}`;
const request = (owner: string, patterns: string[], ttlMs = 1_000) => ({ owner, runId: 'r1', taskId: owner, patterns, ttlMs });

/** A raw client of the test (to read or plant records). */
function rawClient(): Redis {
  const client = connect();
  clients.push(client);
  return client;
}

/** A connection whose first `hgetall` answers and then lets `between` run before the caller sees the answer. */
function connectInterleaved(between: () => Promise<void>, times = 1): () => Redis {
  return () => {
    const client = rawClient();
    const hgetall = client.hgetall.bind(client);
    let left = times;
    const interleaved = async (key: string): Promise<Record<string, string>> => {
      const fields = await hgetall(key);
      if (left > 0) {
        left -= 1;
        await between();
      }
      return fields;
    };
    Object.assign(client, { hgetall: interleaved });
    return client;
  };
}

describe('Redis lease table', () => {
  it('grants free patterns until now + ttl, refuses an overlapping request of another owner whole, naming the holder', async () => {
    const table = openTable(nextPrefix());
    expect(await table.acquire({ ...request('a', ['src/api/**']), ticketId: 'T-1', member: 'coder' }, 1_000)).toEqual({ ok: true, expiresAt: 2_000 });
    const refused = await table.acquire(request('b', ['docs/x.md', 'src/api/user.ts']), 1_100);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.conflicts).toEqual([
        { pattern: 'src/api/user.ts', holder: { pattern: 'src/api/**', owner: 'a', runId: 'r1', taskId: 'a', ticketId: 'T-1', member: 'coder', acquiredAt: 1_000, expiresAt: 2_000 } },
      ]);
    }
    // All or none: docs/x.md was not leased.
    expect((await table.list(1_100)).map((lease) => lease.pattern)).toEqual(['src/api/**']);
    // The owner's own leases never conflict with it.
    expect((await table.acquire(request('a', ['src/api/user.ts']), 1_200)).ok).toBe(true);
  });

  it('reclaims expired leases on the next acquire; lists them only when asked', async () => {
    const table = openTable(nextPrefix());
    await table.acquire(request('a', ['src/a.ts']), 1_000);
    expect(await table.list(2_000)).toEqual([]);
    expect((await table.list(2_000, { includeExpired: true })).map((lease) => lease.owner)).toEqual(['a']);
    expect(await table.acquire(request('b', ['src/a.ts']), 2_000)).toEqual({ ok: true, expiresAt: 3_000 });
    expect((await table.list(2_000, { includeExpired: true })).map((lease) => lease.owner)).toEqual(['b']);
  });

  it('keeps the first acquisition time when an owner acquires a held pattern again', async () => {
    const table = openTable(nextPrefix());
    await table.acquire(request('a', ['src/a.ts']), 1_000);
    await table.acquire(request('a', ['src/a.ts', 'src/a.ts']), 1_500);
    expect((await table.leasesOf('a')).map((lease) => [lease.pattern, lease.acquiredAt, lease.expiresAt])).toEqual([['src/a.ts', 1_000, 2_500]]);
  });

  it('renews every lease of an owner, expired ones not yet reclaimed too, and releases them all', async () => {
    const table = openTable(nextPrefix());
    await table.acquire(request('a', ['src/a.ts']), 1_000);
    await table.acquire(request('a', ['src/b.ts']), 1_200);
    await table.acquire(request('b', ['src/c.ts']), 1_200);
    expect(await table.renew('a', 5_000, 3_000)).toBe(2);
    expect(await table.renew('nobody', 5_000, 3_000)).toBe(0);
    expect((await table.list(3_000)).map((lease) => [lease.owner, lease.pattern, lease.expiresAt])).toEqual([
      ['a', 'src/a.ts', 8_000],
      ['a', 'src/b.ts', 8_000],
    ]);
    expect((await table.release('a')).map((lease) => lease.pattern)).toEqual(['src/a.ts', 'src/b.ts']);
    expect(await table.release('a')).toEqual([]);
    expect((await table.list(0, { includeExpired: true })).map((lease) => lease.owner)).toEqual(['b']);
  });

  it('is one table for every process on the prefix, and none across prefixes', async () => {
    const prefix = nextPrefix();
    await openTable(prefix).acquire(request('a', ['src/**']), 1_000);
    expect((await openTable(prefix).acquire(request('b', ['src/x.ts']), 1_000)).ok).toBe(false);
    expect((await openTable(nextPrefix()).acquire(request('b', ['src/x.ts']), 1_000)).ok).toBe(true);
  });

  it('refuses a malformed request with INVALID_INPUT naming the field', async () => {
    const table = openTable(nextPrefix());
    const error = await rejection(table.acquire(request('a', []), 1_000));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('patterns');
  });

  it('reads records with fields it does not know, and refuses to answer over an unreadable one, naming it', async () => {
    const prefix = nextPrefix();
    const table = openTable(prefix);
    const client = rawClient();
    const newer = { pattern: 'src/a.ts', owner: 'a', runId: 'r1', taskId: 't', acquiredAt: 1, expiresAt: 5_000, priority: 'high' };
    await client.hset(`${prefix}:leases`, JSON.stringify(['a', 'src/a.ts']), JSON.stringify(newer));
    expect(await table.list(0)).toEqual([{ pattern: 'src/a.ts', owner: 'a', runId: 'r1', taskId: 't', acquiredAt: 1, expiresAt: 5_000 }]);
    await client.hset(`${prefix}:leases`, JSON.stringify(['b', 'src/b.ts']), JSON.stringify({ pattern: 'src/b.ts', owner: 'b' }));
    const error = await rejection(table.acquire(request('c', ['docs/**']), 0));
    expect(error.code).toBe('INTERNAL');
    expect(error.message).toContain('["b","src/b.ts"]');
    expect(error.message).toContain('HDEL');
  });

  it('starts over from a fresh read when another process commits between its read and its commit', async () => {
    const prefix = nextPrefix();
    const other = openTable(prefix);
    const table = openTable(prefix, {
      connect: connectInterleaved(async () => {
        expect((await other.acquire(request('b', ['src/a.ts']), 1_000)).ok).toBe(true);
      }),
    });
    // Decided on a read without b's lease, so a commit that did not compare would grant it too.
    const result = await table.acquire(request('a', ['src/**']), 1_000);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.conflicts.map((conflict) => conflict.holder.owner)).toEqual(['b']);
    expect((await other.list(1_000)).map((lease) => lease.owner)).toEqual(['b']);
  });

  it('gives up with a retryable LEASE_CONFLICT after maxAttempts lost commits', async () => {
    const prefix = nextPrefix();
    const other = openTable(prefix);
    let changes = 0;
    const table = openTable(prefix, {
      maxAttempts: 3,
      connect: connectInterleaved(async () => {
        await other.acquire(request('b', [`elsewhere/${++changes}.ts`]), 1_000);
      }, 3),
    });
    const error = await rejection(table.acquire(request('a', ['src/a.ts']), 1_000));
    expect(error.code).toBe('LEASE_CONFLICT');
    expect(error.retryable).toBe(true);
    expect(changes).toBe(3);
    expect(await table.leasesOf('a')).toEqual([]);
  });

  it('never grants overlapping patterns to two processes acquiring at once (50 rounds)', async () => {
    const prefix = nextPrefix();
    // Separate tables and connections: two machines of one run.
    const left = openTable(prefix);
    const right = openTable(prefix);
    for (let round = 0; round < 50; round += 1) {
      const [fromLeft, fromRight] = await Promise.all([
        left.acquire(request(`left-${round}`, [`src/r${round}/**`]), 1_000),
        right.acquire(request(`right-${round}`, [`src/r${round}/file.ts`]), 1_000),
      ]);
      expect([fromLeft.ok, fromRight.ok].filter(Boolean)).toHaveLength(1);
      const loser = fromLeft.ok ? fromRight : fromLeft;
      if (!loser.ok) expect(loser.conflicts[0]?.holder.owner).toBe(fromLeft.ok ? `left-${round}` : `right-${round}`);
    }
    const leases = await left.list(1_000);
    expect(leases).toHaveLength(50);
    expect(new Set(leases.map((lease) => lease.pattern.split('/')[1])).size).toBe(50);
  });
});
