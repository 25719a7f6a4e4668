import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestRedis, type TestRedisServer } from '../../test/helpers/redis-server.js';
import { EnsembleError, type BudgetCaps, type BudgetCharge } from '../core/index.js';
import { createRedisBudgetLedger, seedRedisBudget, type RedisBudgetLedger } from './redis-budget-ledger.js';
import { createRedisConnector } from './redis-connection.js';

let server: TestRedisServer;
let admin: Redis;
let runs = 0;
const opened: RedisBudgetLedger[] = [];

beforeAll(async () => {
  server = await startTestRedis();
  admin = new Redis(server.url);
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((ledger) => ledger.close()));
});
afterAll(async () => {
  await admin.quit();
  await server.dispose();
});

const charge = (tokens: number, extra: Partial<BudgetCharge> = {}): BudgetCharge => ({ taskId: 'a', agentName: 'x', tokens, costUsd: 0, ...extra });
const live = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(5_000) });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A fresh run on the shared server: its own prefix and run id. */
function newRun(): { readonly prefix: string; readonly runId: string; open(caps: BudgetCaps, extra?: { holdTtlMs?: number }): RedisBudgetLedger } {
  const prefix = `budget-unit-${++runs}`;
  const runId = `run-${runs}`;
  return {
    prefix,
    runId,
    open: (caps, extra = {}) => {
      const ledger = createRedisBudgetLedger({ connect: createRedisConnector(server.url), prefix, runId, caps, pollMs: 20, ...extra });
      opened.push(ledger);
      return ledger;
    },
  };
}

/** Tracks whether a promise has settled, without awaiting it. */
function observe<T>(promise: Promise<T>): { readonly state: () => 'pending' | 'fulfilled' | 'rejected'; readonly promise: Promise<T> } {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  promise.then(
    () => void (state = 'fulfilled'),
    () => void (state = 'rejected'),
  );
  return { state: () => state, promise };
}

describe('createRedisBudgetLedger', () => {
  it('keeps its keys under <prefix>:budget:<runId>: and apart from other runs', async () => {
    const run = newRun();
    const ledger = run.open({ run: { tokens: 100 } });
    const hold = await ledger.reserve(charge(30), live());
    expect((await admin.keys(`${run.prefix}:*`)).sort()).toEqual([`${run.prefix}:budget:${run.runId}:expiries`, `${run.prefix}:budget:${run.runId}:holds`]);
    hold.commit({ tokens: 100, costUsd: 0 });
    const other = createRedisBudgetLedger({ connect: createRedisConnector(server.url), prefix: run.prefix, runId: 'another-run', caps: { run: { tokens: 100 } } });
    opened.push(other);
    expect(await ledger.spent('run')).toEqual({ tokens: 100, costUsd: 0 });
    expect(await other.spent('run')).toEqual({ tokens: 0, costUsd: 0 });
    (await other.reserve(charge(100), live())).release();
  });

  it('drops an expired hold at the next reserve, so a dead worker does not block the run; a late commit of that hold still counts', async () => {
    const run = newRun();
    const cutOff = run.open({ run: { tokens: 100 } });
    const survivor = run.open({ run: { tokens: 100 } });
    const hold = await cutOff.reserve(charge(90), live());
    const waiting = observe(survivor.reserve(charge(50, { taskId: 'b' }), live()));
    await sleep(100);
    expect(waiting.state()).toBe('pending');
    // As if the worker had not renewed it for a whole TTL: its expiry is in the past.
    await admin.zadd(`${run.prefix}:budget:${run.runId}:expiries`, 0, (await admin.zrange(`${run.prefix}:budget:${run.runId}:expiries`, 0, -1))[0]!);
    (await waiting.promise).commit({ tokens: 50, costUsd: 0 });
    hold.commit({ tokens: 30, costUsd: 0 });
    await cutOff.close();
    expect(await survivor.spent('run')).toEqual({ tokens: 80, costUsd: 0 });
  });

  it('lets the holds of a closed (dead) worker expire after holdTtlMs', async () => {
    const run = newRun();
    const dead = run.open({ run: { tokens: 100 } }, { holdTtlMs: 300 });
    await dead.reserve(charge(90), live());
    await dead.close();
    const survivor = run.open({ run: { tokens: 100 } });
    (await survivor.reserve(charge(50, { taskId: 'b' }), live())).release();
  });

  it('renews the holds of a live worker, so a call longer than holdTtlMs keeps its hold', async () => {
    const run = newRun();
    const worker = run.open({ run: { tokens: 100 } }, { holdTtlMs: 150 });
    const other = run.open({ run: { tokens: 100 } });
    const hold = await worker.reserve(charge(90), live());
    const waiting = observe(other.reserve(charge(50, { taskId: 'b' }), live()));
    // Many TTLs long: without renewal the hold would be dropped and the waiting call let through.
    await sleep(900);
    expect(waiting.state()).toBe('pending');
    hold.release();
    (await waiting.promise).release();
  });

  it('settles a hold once, also across its commit and release', async () => {
    const run = newRun();
    const ledger = run.open({ run: { tokens: 100 } });
    const hold = await ledger.reserve(charge(10), live());
    hold.commit({ tokens: 7, costUsd: 0.125 });
    hold.release();
    hold.commit({ tokens: 7, costUsd: 0.125 });
    expect(await ledger.spent('agent', 'x')).toEqual({ tokens: 7, costUsd: 0.125 });
    expect(await admin.hlen(`${run.prefix}:budget:${run.runId}:holds`)).toBe(0);
  });

  it('ends a waiting reserve whose abort came while its script was in Redis', async () => {
    const run = newRun();
    // Polling every ms, most of a waiting call's time is spent in the script, not in the sleep.
    const ledger = createRedisBudgetLedger({ connect: createRedisConnector(server.url), prefix: run.prefix, runId: run.runId, caps: { run: { tokens: 100 } }, pollMs: 1 });
    opened.push(ledger);
    const hold = await ledger.reserve(charge(90), live());
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, async (_, index) => {
        const controller = new AbortController();
        const waiting = ledger.reserve(charge(50, { taskId: `b${index}` }), { signal: controller.signal }).catch((error: unknown) => error);
        await sleep(5 + index);
        controller.abort(new EnsembleError('TASK_TIMEOUT', `timed out ${index}`));
        let timer: NodeJS.Timeout | undefined;
        const bound = new Promise((resolve) => (timer = setTimeout(() => resolve('still waiting'), 2_000)));
        try {
          return await Promise.race([waiting, bound]);
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    expect(outcomes.map((outcome) => (outcome instanceof EnsembleError ? outcome.message : outcome))).toEqual(Array.from({ length: 20 }, (_, index) => `timed out ${index}`));
    hold.release();
  });

  it('refuses a charge that is not a finite amount', async () => {
    const ledger = newRun().open({ run: { tokens: 100 } });
    await expect(ledger.reserve(charge(Number.NaN), live())).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('refuses options that would poll or expire at once', () => {
    expect(() => createRedisBudgetLedger({ connect: createRedisConnector(server.url), runId: 'r', caps: {}, pollMs: 0 })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
  });

  it('on close, ends a waiting reserve and refuses new calls', async () => {
    const ledger = newRun().open({ run: { tokens: 100 } });
    const hold = await ledger.reserve(charge(90), live());
    const waiting = ledger.reserve(charge(50, { taskId: 'b' }), live()).catch((error: unknown) => error);
    await sleep(50);
    await ledger.close();
    expect(await waiting).toMatchObject({ code: 'INTERNAL', message: expect.stringContaining('is closed') });
    await expect(ledger.spent('run')).rejects.toBeInstanceOf(EnsembleError);
    hold.release();
    await ledger.close();
  });
});

describe('seedRedisBudget', () => {
  it('resets committed spend to exactly the journal spend and drops every hold', async () => {
    const run = newRun();
    const caps = { run: { tokens: 100 } };
    const ledger = run.open(caps);
    await ledger.record(charge(70, { taskId: 'lost' }));
    await ledger.reserve(charge(25, { taskId: 'in-flight' }), live());
    await seedRedisBudget({
      connect: createRedisConnector(server.url),
      prefix: run.prefix,
      runId: run.runId,
      spent: [charge(20, { taskId: 'done', costUsd: 0.25 }), charge(5, { taskId: 'done', agentName: 'y', costUsd: 0.125 })],
    });
    expect(await ledger.spent('run')).toEqual({ tokens: 25, costUsd: 0.375 });
    expect(await ledger.spent('task', 'done')).toEqual({ tokens: 25, costUsd: 0.375 });
    expect(await ledger.spent('agent', 'y')).toEqual({ tokens: 5, costUsd: 0.125 });
    expect(await ledger.spent('task', 'lost')).toEqual({ tokens: 0, costUsd: 0 });
    // 25 committed, nothing held: 75 fits at once.
    (await ledger.reserve(charge(75, { taskId: 'next' }), live())).release();
    await seedRedisBudget({ connect: createRedisConnector(server.url), prefix: run.prefix, runId: run.runId, spent: [] });
    expect(await ledger.spent('run')).toEqual({ tokens: 0, costUsd: 0 });
  });

  it('uses the default prefix "ensemble"', async () => {
    const runId = `default-prefix-${++runs}`;
    await seedRedisBudget({ connect: createRedisConnector(server.url), runId, spent: [charge(3)] });
    expect(await admin.hget(`ensemble:budget:${runId}:committed`, 'run:run:tokens')).toBe('3');
    await admin.del(`ensemble:budget:${runId}:committed`);
  });
});
