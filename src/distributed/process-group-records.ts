import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../core/index.js';
import { terminateProcessGroup } from '../host/index.js';
import type { DispatchKeys } from './redis-keys.js';

/** A process group an execution's agent started, as recorded in `groups:<executionId>`. */
export interface ProcessGroupRecord {
  readonly host: string;
  /** The group leader's pid. */
  readonly pid: number;
  readonly pgid: number;
  /** The leader's start time in clock ticks since boot (Linux), so a reused pid is never killed. */
  readonly startTicks?: number;
  /** The worker that started it: once that worker's heartbeat is gone, the group is an orphan. */
  readonly worker?: string;
}

const recordSchema = z.looseObject({ host: z.string(), pid: z.int().positive(), startTicks: z.int().nonnegative().optional(), worker: z.string().optional() });

/** Records a group the execution's agent started (from its `agent:process` `started` event). */
export async function recordProcessGroup(redis: Redis, keys: DispatchKeys, executionId: string, group: ProcessGroupRecord): Promise<void> {
  const value = {
    host: group.host,
    pid: group.pid,
    ...(group.startTicks === undefined ? {} : { startTicks: group.startTicks }),
    ...(group.worker === undefined ? {} : { worker: group.worker }),
  };
  await redis.hset(keys.groups(executionId), String(group.pgid), JSON.stringify(value));
}

/** Forgets a group that exited. */
export async function forgetProcessGroup(redis: Redis, keys: DispatchKeys, executionId: string, pgid: number): Promise<void> {
  await redis.hdel(keys.groups(executionId), String(pgid));
}

/** The groups recorded for an execution (unreadable records are skipped). */
export async function readProcessGroups(redis: Redis, keys: DispatchKeys, executionId: string): Promise<ProcessGroupRecord[]> {
  const fields = await redis.hgetall(keys.groups(executionId));
  const groups: ProcessGroupRecord[] = [];
  for (const [pgidText, json] of Object.entries(fields)) {
    const pgid = Number(pgidText);
    let parsed: ReturnType<typeof recordSchema.safeParse>;
    try {
      parsed = recordSchema.safeParse(JSON.parse(json));
    } catch {
      continue;
    }
    if (!parsed.success || !Number.isSafeInteger(pgid) || pgid <= 0) continue;
    const { host, pid, startTicks, worker } = parsed.data;
    groups.push({ host, pid, pgid, ...(startTicks === undefined ? {} : { startTicks }), ...(worker === undefined ? {} : { worker }) });
  }
  return groups;
}

/** What became of an earlier worker's groups. */
export interface LeftoverGroups {
  /** Groups on this host that were killed or found gone. */
  readonly ended: number;
  /** Groups recorded on other hosts (they cannot be reached from here; their records stay). */
  readonly elsewhere: number;
}

/**
 * Kills the process groups an earlier (dead) worker on this host left for `executionId`, so its
 * agent does not go on editing the tree while the job runs again; a pid reused since is never
 * signalled (start ticks). Their records are then deleted.
 */
export async function killLeftoverGroups(redis: Redis, keys: DispatchKeys, executionId: string, host: string, logger: Logger): Promise<LeftoverGroups> {
  let ended = 0;
  let elsewhere = 0;
  for (const group of await readProcessGroups(redis, keys, executionId)) {
    if (group.host !== host) {
      elsewhere += 1;
      logger.warn(`execution ${executionId}: process group ${group.pgid} on ${group.host}, left by a stopped worker, cannot be killed from ${host}`);
      continue;
    }
    try {
      const result = await terminateProcessGroup(group, { graceMs: 1_000 });
      if (result === 'killed') logger.warn(`execution ${executionId}: killed process group ${group.pgid} left by a stopped worker`);
    } catch (error) {
      logger.error(`execution ${executionId}: could not kill process group ${group.pgid}`, error);
      continue;
    }
    ended += 1;
    await forgetProcessGroup(redis, keys, executionId, group.pgid);
  }
  return { ended, elsewhere };
}

/**
 * Kills the agents that workers on this host left when they died (their heartbeat expired), without
 * waiting for another worker to take the job over: a dead worker's agent must not go on editing the
 * tree. Called on every heartbeat of every worker; a pid reused since is never signalled. A worker
 * is taken for dead only when its heartbeat is missing on two sweeps in a row (`suspects` carries the
 * first sighting), so a live worker whose beat lapsed while Redis restarted has beaten again by then.
 * Returns how many groups it ended.
 */
export async function reapDeadWorkersGroups(redis: Redis, keys: DispatchKeys, host: string, logger: Logger, suspects: Set<string>): Promise<number> {
  const missing = new Set<string>();
  let ended = 0;
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', keys.groupsPattern, 'COUNT', 500);
    cursor = next;
    for (const key of found) {
      const executionId = key.slice(keys.groups('').length);
      for (const group of await readProcessGroups(redis, keys, executionId)) {
        if (group.host !== host || group.worker === undefined) continue;
        if ((await redis.exists(keys.worker(group.worker))) === 1) continue;
        missing.add(group.worker);
        if (!suspects.has(group.worker)) continue;
        try {
          const result = await terminateProcessGroup(group, { graceMs: 1_000 });
          if (result === 'killed') logger.warn(`execution ${executionId}: killed process group ${group.pgid} of worker ${group.worker}, which stopped`);
        } catch (error) {
          logger.error(`execution ${executionId}: could not kill process group ${group.pgid} of stopped worker ${group.worker}`, error);
          continue;
        }
        ended += 1;
        await forgetProcessGroup(redis, keys, executionId, group.pgid);
      }
    }
  } while (cursor !== '0');
  suspects.clear();
  for (const worker of missing) suspects.add(worker);
  return ended;
}
