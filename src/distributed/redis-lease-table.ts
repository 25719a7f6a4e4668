import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { EnsembleError, globsOverlap, isEnsembleError, toInputIssues } from '../core/index.js';
import type { AcquireLeasesInput, AcquireLeasesResult, LeaseConflict, LeaseRecord } from '../store/index.js';
import { DEFAULT_REDIS_PREFIX, type RedisConnector } from './redis-connection.js';
import { redisAcquireLeasesInputSchema, redisLeaseRecordSchema, redisListLeasesOptionsSchema } from './redis-lease-schema.js';

/** Options of {@link createRedisLeaseTable}. */
export interface RedisLeaseTableOptions {
  /** Opens the table's connection (once, on first use). */
  readonly connect: RedisConnector;
  /** Prefix of the table's key, `<prefix>:leases`. @default 'ensemble' */
  readonly prefix?: string;
  /** Reads and commits one change may take while other processes keep changing the table. @default 50 */
  readonly maxAttempts?: number;
}

/**
 * The file lease table in Redis, shared by every process of a distributed run: the SQLite table's
 * inputs, results and rules (see `CodebaseStore.acquireLeases`), asynchronous.
 */
export interface RedisLeaseTable {
  /**
   * Leases `patterns` to `owner` until `now + ttlMs`: all or none. Expired leases are reclaimed
   * first; an unexpired lease of another owner overlapping a requested pattern (`globsOverlap`)
   * refuses the whole request, naming it. Re-acquiring a held pattern keeps its `acquiredAt`.
   */
  acquire(input: AcquireLeasesInput, now: number): Promise<AcquireLeasesResult>;
  /** Extends every lease of `owner` (expired ones not yet reclaimed too) to `now + ttlMs`; resolves how many. */
  renew(owner: string, ttlMs: number, now: number): Promise<number>;
  /** Releases every lease of `owner`; resolves those released. */
  release(owner: string): Promise<LeaseRecord[]>;
  /** Leases in order of acquisition; expired ones (present until the next acquire reclaims them) only with `includeExpired`. */
  list(now: number, options?: { readonly includeExpired?: boolean }): Promise<LeaseRecord[]>;
  /** The leases `owner` holds, expired ones included until reclaimed (as the SQLite table's `leasesOf`). */
  leasesOf(owner: string): Promise<LeaseRecord[]>;
  /** Closes the table's connection. */
  close(): Promise<void>;
}

/** The hash's field counting committed changes: the compare-and-set token of every write. */
const VERSION_FIELD = 'version';

/**
 * Applies one change only if no other change was committed since it was decided (the version
 * read with the table still stands). ARGV: the version read, the number of fields to delete, those
 * fields, then field/value pairs to set. Returns 1 when applied, 0 when the table moved on.
 */
const COMMIT_SCRIPT = `
local current = redis.call('HGET', KEYS[1], '${VERSION_FIELD}') or '0'
if current ~= ARGV[1] then return 0 end
local deletes = tonumber(ARGV[2])
for index = 3, 2 + deletes do redis.call('HDEL', KEYS[1], ARGV[index]) end
for index = 3 + deletes, #ARGV, 2 do redis.call('HSET', KEYS[1], ARGV[index], ARGV[index + 1]) end
redis.call('HINCRBY', KEYS[1], '${VERSION_FIELD}', 1)
return 1
`;

interface StoredLease {
  readonly field: string;
  readonly lease: LeaseRecord;
}

interface TableSnapshot {
  readonly version: string;
  /** In order of acquisition (then owner, pattern), as the SQLite table lists them. */
  readonly leases: readonly StoredLease[];
}

/** A change decided from one snapshot: what to write (nothing: answer at once) and the answer. */
interface TableChange<Result> {
  readonly deletes: readonly string[];
  readonly sets: readonly LeaseRecord[];
  readonly result: Result;
}

/**
 * The lease table as one Redis hash, `<prefix>:leases` (field `["owner","pattern"]` → JSON record).
 * A change reads the whole hash, decides in JS (glob overlap is picomatch, not Lua), and commits
 * with a compare-and-set on the hash's version, retried from a fresh read when another process
 * committed first. Not WATCH/MULTI/EXEC: WATCH lives on a connection, and our connections resend
 * queued commands after a reconnect, where an EXEC would run unwatched and two owners could win.
 */
export function createRedisLeaseTable(options: RedisLeaseTableOptions): RedisLeaseTable {
  const key = `${options.prefix ?? DEFAULT_REDIS_PREFIX}:leases`;
  const maxAttempts = options.maxAttempts ?? 50;
  let connection: Redis | undefined;
  const redis = (): Redis => (connection ??= options.connect());

  const read = async (): Promise<TableSnapshot> => {
    const fields = await redis().hgetall(key);
    const leases: StoredLease[] = [];
    for (const [field, json] of Object.entries(fields)) {
      if (field !== VERSION_FIELD) leases.push({ field, lease: toLeaseRecord(key, field, json) });
    }
    leases.sort((left, right) => compareLeases(left.lease, right.lease));
    return { version: fields[VERSION_FIELD] ?? '0', leases };
  };

  const commit = async (version: string, deletes: readonly string[], sets: readonly LeaseRecord[]): Promise<boolean> => {
    const pairs = sets.flatMap((lease) => [toField(lease.owner, lease.pattern), JSON.stringify(lease)]);
    const applied = await redis().eval(COMMIT_SCRIPT, 1, key, version, String(deletes.length), ...deletes, ...pairs);
    return applied === 1;
  };

  /** Decides a change from a snapshot and commits it; a lost compare-and-set starts over from a fresh read. */
  const change = <Result>(action: string, decide: (snapshot: TableSnapshot) => TableChange<Result>): Promise<Result> =>
    guardRedis(action, key, async () => {
      for (let attempt = 1; attempt <= maxAttempts; attempt += 1) {
        const snapshot = await read();
        const decided = decide(snapshot);
        if (decided.deletes.length === 0 && decided.sets.length === 0) return decided.result;
        if (await commit(snapshot.version, decided.deletes, decided.sets)) return decided.result;
        // Another process committed first; a short random pause spreads out a crowd of retries.
        await sleep(Math.random() * Math.min(attempt, 10));
      }
      throw new EnsembleError('LEASE_CONFLICT', `could not ${action}: the lease table ${key} in Redis changed under each of ${maxAttempts} attempts; try again`, {
        retryable: true,
        details: { key, attempts: maxAttempts },
      });
    });

  return {
    async acquire(input, now) {
      const request = parseInput(redisAcquireLeasesInputSchema, input, 'acquire');
      const patterns = [...new Set(request.patterns)];
      return change(`acquire leases for "${request.owner}"`, (snapshot): TableChange<AcquireLeasesResult> => {
        const expired = snapshot.leases.filter((stored) => stored.lease.expiresAt <= now);
        const live = snapshot.leases.filter((stored) => stored.lease.expiresAt > now).map((stored) => stored.lease);
        const conflicts: LeaseConflict[] = [];
        for (const pattern of patterns) {
          for (const holder of live) if (holder.owner !== request.owner && globsOverlap(pattern, holder.pattern)) conflicts.push({ pattern, holder });
        }
        // As in SQLite, a refused acquire still reclaims what expired.
        const deletes = expired.map((stored) => stored.field);
        if (conflicts.length > 0) return { deletes, sets: [], result: { ok: false, conflicts } };
        const expiresAt = now + request.ttlMs;
        const sets = patterns.map((pattern): LeaseRecord => {
          const earlier = live.find((lease) => lease.owner === request.owner && lease.pattern === pattern);
          return {
            pattern,
            owner: request.owner,
            runId: request.runId,
            taskId: request.taskId,
            ...(request.ticketId === undefined ? {} : { ticketId: request.ticketId }),
            ...(request.member === undefined ? {} : { member: request.member }),
            // A refresh keeps the first acquisition time: how long a path has been held is what a board shows.
            acquiredAt: earlier?.acquiredAt ?? now,
            expiresAt,
          };
        });
        const setFields = new Set(sets.map((lease) => toField(lease.owner, lease.pattern)));
        return { deletes: deletes.filter((field) => !setFields.has(field)), sets, result: { ok: true, expiresAt } };
      });
    },

    renew(owner, ttlMs, now) {
      return change(`renew the leases of "${owner}"`, (snapshot): TableChange<number> => {
        const sets = snapshot.leases.filter((stored) => stored.lease.owner === owner).map((stored) => ({ ...stored.lease, expiresAt: now + ttlMs }));
        return { deletes: [], sets, result: sets.length };
      });
    },

    release(owner) {
      return change(`release the leases of "${owner}"`, (snapshot): TableChange<LeaseRecord[]> => {
        const released = snapshot.leases.filter((stored) => stored.lease.owner === owner);
        return { deletes: released.map((stored) => stored.field), sets: [], result: released.map((stored) => stored.lease) };
      });
    },

    async list(now, listOptions = {}) {
      const { includeExpired } = parseInput(redisListLeasesOptionsSchema, listOptions, 'list');
      return guardRedis('list leases', key, async () => {
        const { leases } = await read();
        return leases.map((stored) => stored.lease).filter((lease) => includeExpired === true || lease.expiresAt > now);
      });
    },

    leasesOf(owner) {
      return guardRedis(`read the leases of "${owner}"`, key, async () => {
        const { leases } = await read();
        return leases
          .map((stored) => stored.lease)
          .filter((lease) => lease.owner === owner)
          .sort((left, right) => left.acquiredAt - right.acquiredAt || compareText(left.pattern, right.pattern));
      });
    },

    async close() {
      const open = connection;
      connection = undefined;
      if (open === undefined) return;
      try {
        await open.quit();
      } catch {
        // Already closed or never connected: nothing to say goodbye to.
        open.disconnect();
      }
    },
  };
}

/** The hash field of one lease: JSON, so no owner or pattern can forge another's field (or `version`). */
function toField(owner: string, pattern: string): string {
  return JSON.stringify([owner, pattern]);
}

function toLeaseRecord(key: string, field: string, json: string): LeaseRecord {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw unreadable(key, field, error instanceof Error ? error.message : String(error), error);
  }
  const parsed = redisLeaseRecordSchema.safeParse(value);
  if (!parsed.success) {
    const reason = toInputIssues(parsed.error)
      .slice(0, 5)
      .map((issue) => `${issue.path}: ${issue.message}`)
      .join('; ');
    throw unreadable(key, field, reason, parsed.error);
  }
  const record = parsed.data;
  return {
    pattern: record.pattern,
    owner: record.owner,
    runId: record.runId,
    taskId: record.taskId,
    ...(record.ticketId === undefined ? {} : { ticketId: record.ticketId }),
    ...(record.member === undefined ? {} : { member: record.member }),
    acquiredAt: record.acquiredAt,
    expiresAt: record.expiresAt,
  };
}

// Refusing to answer is safer than skipping a record: a skipped lease would let two owners write one file.
function unreadable(key: string, field: string, reason: string, cause: unknown): EnsembleError {
  return new EnsembleError('INTERNAL', `lease ${field} in Redis hash ${key} is unreadable (${reason}); delete it with HDEL ${key} '${field}'`, {
    details: { key, field },
    cause,
  });
}

function compareLeases(left: LeaseRecord, right: LeaseRecord): number {
  return left.acquiredAt - right.acquiredAt || compareText(left.owner, right.owner) || compareText(left.pattern, right.pattern);
}

function compareText(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function parseInput<Schema extends z.ZodType>(schema: Schema, value: unknown, name: string): z.output<Schema> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = toInputIssues(parsed.error, name);
  throw new EnsembleError('INVALID_INPUT', issues.map((issue) => `${issue.path}: ${issue.message}`).join('\n'), { details: { issues } });
}

/** Runs a Redis operation; a failure of Redis itself becomes REDIS_UNAVAILABLE naming the operation. */
async function guardRedis<Result>(action: string, key: string, body: () => Promise<Result>): Promise<Result> {
  try {
    return await body();
  } catch (error) {
    if (isEnsembleError(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new EnsembleError('REDIS_UNAVAILABLE', `could not ${action} in Redis (${key}): ${message}`, { retryable: true, details: { key }, cause: error });
  }
}
