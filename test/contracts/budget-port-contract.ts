import { afterEach, describe, expect, it, vi } from 'vitest';
import { EnsembleError, isEnsembleError } from '../../src/core/index.js';
import type { BudgetCaps, BudgetCharge, BudgetHold, BudgetPort } from '../../src/core/index.js';

/** One budget under test. `second`, when given, is another ledger of the same run (another worker). */
export interface BudgetPortFixture {
  readonly port: BudgetPort;
  readonly second?: BudgetPort;
  dispose(): Promise<void>;
}

/** Creates a budget with `caps` that has already spent `spent` (a resumed run). */
export type CreateBudgetPort = (caps: BudgetCaps, spent?: readonly BudgetCharge[]) => Promise<BudgetPortFixture>;

/** Bound on every wait for something that must happen (a grant, a refusal). */
const SETTLE_TIMEOUT_MS = 5_000;
/** How long a call that must keep waiting is watched: several polls of a polling ledger. */
const QUIET_MS = 150;

const live = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });
const charge = (tokens: number, extra: Partial<BudgetCharge> = {}): BudgetCharge => ({ taskId: 'a', agentName: 'x', tokens, costUsd: 0, ...extra });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Observed<T> {
  readonly state: () => 'pending' | 'fulfilled' | 'rejected';
  readonly promise: Promise<T>;
}

/** Tracks whether a promise has settled, without awaiting it. */
function observe<T>(promise: Promise<T>): Observed<T> {
  let state: 'pending' | 'fulfilled' | 'rejected' = 'pending';
  promise.then(
    () => void (state = 'fulfilled'),
    () => void (state = 'rejected'),
  );
  return { state: () => state, promise };
}

async function refusal(promise: Promise<unknown>): Promise<EnsembleError> {
  try {
    await promise;
  } catch (error) {
    if (isEnsembleError(error)) return error;
    throw error;
  }
  throw new Error('expected BUDGET_EXCEEDED');
}

/** Resolves with the promise's value, failing the test if it has not settled within the bound. */
async function within<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not settled within ${SETTLE_TIMEOUT_MS} ms`)), SETTLE_TIMEOUT_MS)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Asserts that the call is still waiting after a quiet period. */
async function expectStillWaiting(observed: Observed<unknown>): Promise<void> {
  await sleep(QUIET_MS);
  expect(observed.state()).toBe('pending');
}

/**
 * The contract of the `BudgetPort`, run against every implementation (the in-process
 * `BudgetLedger`, the Redis ledger): held and committed apart, waiting on holds, refusals naming the
 * cap, aborts, settling once, recorded and seeded spend, each scope; and with a second ledger of the
 * same run, caps that hold across both.
 */
export function describeBudgetPortContract(name: string, create: CreateBudgetPort): void {
  describe(`BudgetPort contract: ${name}`, () => {
    const opened: BudgetPortFixture[] = [];
    const open = async (caps: BudgetCaps, spent?: readonly BudgetCharge[]): Promise<BudgetPortFixture> => {
      const fixture = await create(caps, spent);
      opened.push(fixture);
      return fixture;
    };
    afterEach(async () => {
      for (const fixture of opened.splice(0)) await fixture.dispose();
    });

    it('grants a call that fits; its hold is not spend, and a commit replaces it by the actual spend of the task, the agent and the run', async () => {
      const { port } = await open({ run: { tokens: 1000, costUsd: 1 } });
      const hold = await within(port.reserve(charge(400, { taskId: 't', agentName: 'writer', costUsd: 0.5 }), live()));
      expect(await port.spent('run')).toEqual({ tokens: 0, costUsd: 0 });
      hold.commit({ tokens: 120, costUsd: 0.25 });
      for (const [scope, scopeName] of [['task', 't'], ['agent', 'writer'], ['run', 'run']] as const) {
        expect(await port.spent(scope, scopeName)).toEqual({ tokens: 120, costUsd: 0.25 });
      }
      expect(await port.spent('agent', 'reader')).toEqual({ tokens: 0, costUsd: 0 });
      expect(await port.spent('run')).toEqual({ tokens: 120, costUsd: 0.25 });
    });

    it('issue 6: holds are not spending — a call that fits committed spend waits for holds, and a commit below the hold lets it through', async () => {
      const { port } = await open({ run: { tokens: 10_000 } });
      const first = await within(port.reserve(charge(4200, { taskId: 'a' }), live()));
      const second = await within(port.reserve(charge(4200, { taskId: 'b' }), live()));
      const third = observe(port.reserve(charge(4200, { taskId: 'c' }), live()));
      await expectStillWaiting(third);
      first.commit({ tokens: 300, costUsd: 0 });
      const granted = await within(third.promise);
      second.commit({ tokens: 300, costUsd: 0 });
      granted.commit({ tokens: 300, costUsd: 0 });
      expect(await port.spent('run')).toEqual({ tokens: 900, costUsd: 0 });
    });

    it('a release lets the waiting call through; a hold settles once, later settles changing nothing', async () => {
      const { port } = await open({ run: { tokens: 100 } });
      const holder = await within(port.reserve(charge(60), live()));
      const waiting = observe(port.reserve(charge(60, { taskId: 'b' }), live()));
      await expectStillWaiting(waiting);
      holder.release();
      holder.commit({ tokens: 1000, costUsd: 0 });
      const granted = await within(waiting.promise);
      granted.commit({ tokens: 40, costUsd: 0 });
      granted.commit({ tokens: 40, costUsd: 0 });
      granted.release();
      expect(await port.spent('run')).toEqual({ tokens: 40, costUsd: 0 });
      // 60 more fit: nothing of the settled holds is still held.
      (await within(port.reserve(charge(60, { taskId: 'c' }), live()))).release();
    });

    it('refuses at once a call that cannot fit against committed spend alone, naming the cap, the committed and the held amounts', async () => {
      const { port } = await open({ run: { tokens: 1000 } });
      await port.record({ taskId: 'done', agentName: 'x', tokens: 700, costUsd: 0.5 });
      const holder = await within(port.reserve(charge(200), live()));
      const error = await within(refusal(port.reserve(charge(400, { taskId: 'big' }), live())));
      expect(error).toMatchObject({
        code: 'BUDGET_EXCEEDED',
        retryable: false,
        details: {
          cap: 'run',
          name: 'run',
          limit: { tokens: 1000 },
          committed: { tokens: 700, costUsd: 0.5 },
          held: { tokens: 200, costUsd: 0 },
          requested: { tokens: 400, costUsd: 0 },
        },
      });
      expect(error.message).toBe(
        'task "big" stopped: its model call could use 400 tokens ($0.0000), which would cross the 1000 tokens cap of the run (committed: 700 tokens, $0.5000; held by calls in flight: 200 tokens, $0.0000)',
      );
      holder.release();
    });

    it('refuses a waiting call once a settled hold shows it can never fit', async () => {
      const { port } = await open({ run: { tokens: 1000 } });
      const holder = await within(port.reserve(charge(800), live()));
      const waiting = observe(port.reserve(charge(500, { taskId: 'b' }), live()));
      await expectStillWaiting(waiting);
      // The held call really spent 600: 600 + 500 crosses the cap whatever happens next.
      holder.commit({ tokens: 600, costUsd: 0 });
      const error = await within(refusal(waiting.promise));
      expect(error).toMatchObject({ code: 'BUDGET_EXCEEDED', retryable: false, details: { cap: 'run', committed: { tokens: 600, costUsd: 0 } } });
    });

    it('an abort while waiting rejects with the reason and takes no hold; an aborted signal rejects at once', async () => {
      const { port } = await open({ run: { tokens: 100 } });
      const holder = await within(port.reserve(charge(90), live()));
      const controller = new AbortController();
      const waiting = observe(port.reserve(charge(50, { taskId: 'b' }), { signal: controller.signal }));
      await expectStillWaiting(waiting);
      const reason = new EnsembleError('TASK_TIMEOUT', 'timed out');
      controller.abort(reason);
      await expect(within(waiting.promise)).rejects.toBe(reason);
      holder.release();
      // The whole cap fits: the aborted call holds nothing.
      (await within(port.reserve(charge(100, { taskId: 'c' }), live()))).release();
      const aborted = new AbortController();
      aborted.abort(reason);
      await expect(port.reserve(charge(1), { signal: aborted.signal })).rejects.toBe(reason);
    });

    it('names the cap that stops a call: task, agent or run, and dollars as well as tokens', async () => {
      const { port } = await open({ run: { costUsd: 1 }, agents: { writer: { tokens: 100 } }, tasks: { tiny: { tokens: 10 } } });
      expect(await within(refusal(port.reserve({ taskId: 'tiny', agentName: 'writer', tokens: 50, costUsd: 0 }, live())))).toMatchObject({
        details: { cap: 'task', name: 'tiny', limit: { tokens: 10 } },
      });
      const agent = await within(refusal(port.reserve({ taskId: 'other', agentName: 'writer', tokens: 150, costUsd: 0 }, live())));
      expect(agent).toMatchObject({ details: { cap: 'agent', name: 'writer' } });
      expect(agent.message).toContain('cross the 100 tokens cap of agent "writer"');
      const run = await within(refusal(port.reserve({ taskId: 'other', agentName: 'reader', tokens: 1, costUsd: 2 }, live())));
      expect(run).toMatchObject({ details: { cap: 'run', name: 'run', requested: { tokens: 1, costUsd: 2 } } });
      expect(run.message).toContain('$1 cap of the run');
    });

    it('holds each scope apart: a task or agent cap makes only its own calls wait', async () => {
      const { port } = await open({ agents: { writer: { tokens: 100 } }, tasks: { t: { costUsd: 1 } } });
      const writerHold = await within(port.reserve({ taskId: 'w1', agentName: 'writer', tokens: 80, costUsd: 0 }, live()));
      const taskHold = await within(port.reserve({ taskId: 't', agentName: 'reader', tokens: 0, costUsd: 0.75 }, live()));
      const writerWaits = observe(port.reserve({ taskId: 'w2', agentName: 'writer', tokens: 30, costUsd: 0 }, live()));
      const taskWaits = observe(port.reserve({ taskId: 't', agentName: 'other', tokens: 0, costUsd: 0.5 }, live()));
      // Another agent and another task are under no cap that is held.
      (await within(port.reserve({ taskId: 'free', agentName: 'reader', tokens: 10_000, costUsd: 5 }, live()))).release();
      await expectStillWaiting(writerWaits);
      expect(taskWaits.state()).toBe('pending');
      writerHold.commit({ tokens: 50, costUsd: 0 });
      taskHold.commit({ tokens: 0, costUsd: 0.25 });
      (await within(writerWaits.promise)).release();
      (await within(taskWaits.promise)).release();
      expect(await port.spent('agent', 'writer')).toEqual({ tokens: 50, costUsd: 0 });
      expect(await port.spent('task', 't')).toEqual({ tokens: 0, costUsd: 0.25 });
    });

    it('commits more than the hold when the call spent more than its estimate (failed and aborted calls count too)', async () => {
      const { port } = await open({ run: { tokens: 1000 } });
      const hold = await within(port.reserve(charge(100), live()));
      hold.commit({ tokens: 250, costUsd: 0.25 });
      expect(await port.spent('task', 'a')).toEqual({ tokens: 250, costUsd: 0.25 });
      expect(await port.spent('run')).toEqual({ tokens: 250, costUsd: 0.25 });
    });

    it('records spend without checking caps, and counts it against every cap', async () => {
      const { port } = await open({ run: { tokens: 100 }, agents: { writer: { tokens: 60 } } });
      await port.record({ taskId: 'done-earlier', agentName: 'writer', tokens: 50, costUsd: 0.125 });
      await port.record({ taskId: 'simulated', agentName: 'reader', tokens: 500, costUsd: 0 });
      expect(await port.spent('agent', 'writer')).toEqual({ tokens: 50, costUsd: 0.125 });
      expect(await port.spent('run')).toEqual({ tokens: 550, costUsd: 0.125 });
      expect(await within(refusal(port.reserve({ taskId: 'next', agentName: 'writer', tokens: 20, costUsd: 0 }, live())))).toMatchObject({
        details: { cap: 'agent', name: 'writer' },
      });
    });

    it('counts spend from before a resume against every cap', async () => {
      const spent = [
        { taskId: 'done-earlier', agentName: 'writer', tokens: 50, costUsd: 0.125 },
        { taskId: 'done-earlier', agentName: 'writer', tokens: 5, costUsd: 0 },
      ];
      const { port } = await open({ run: { tokens: 100 }, agents: { writer: { tokens: 60 } } }, spent);
      expect(await port.spent('task', 'done-earlier')).toEqual({ tokens: 55, costUsd: 0.125 });
      expect((await within(refusal(port.reserve({ taskId: 'next', agentName: 'writer', tokens: 20, costUsd: 0 }, live())))).message).toContain('agent "writer"');
      expect((await within(refusal(port.reserve({ taskId: 'next', agentName: 'reader', tokens: 60, costUsd: 0 }, live())))).message).toContain('of the run');
      (await within(port.reserve({ taskId: 'next', agentName: 'reader', tokens: 45, costUsd: 0 }, live()))).release();
    });

    it('reports whether any cap is set', async () => {
      expect((await open({})).port.isCapped).toBe(false);
      expect((await open({ tasks: {} })).port.isCapped).toBe(false);
      expect((await open({ agents: { a: { tokens: 1 } } })).port.isCapped).toBe(true);
      expect((await open({ run: { costUsd: 1 } })).port.isCapped).toBe(true);
    });

    it('never crosses a cap under concurrent reserves (from both ledgers when there are two)', async () => {
      const { port, second = port } = await open({ run: { tokens: 55 } });
      const calls = Array.from({ length: 20 }, (_, index) => observe((index % 2 === 0 ? port : second).reserve(charge(10, { taskId: `t${index}` }), live())));
      const granted = async (count: number): Promise<BudgetHold[]> => {
        await vi.waitFor(() => expect(calls.filter((call) => call.state() === 'fulfilled')).toHaveLength(count), { timeout: SETTLE_TIMEOUT_MS, interval: 10 });
        return Promise.all(calls.filter((call) => call.state() === 'fulfilled').map((call) => call.promise));
      };
      const firstFive = await granted(5);
      await sleep(QUIET_MS);
      expect(calls.filter((call) => call.state() === 'fulfilled')).toHaveLength(5);
      expect(calls.filter((call) => call.state() === 'rejected')).toHaveLength(0);
      // Each spent 1: 5 committed + 5 × 10 held fit 55 exactly.
      for (const hold of firstFive) hold.commit({ tokens: 1, costUsd: 0 });
      const firstTen = await granted(10);
      await sleep(QUIET_MS);
      expect(calls.filter((call) => call.state() === 'fulfilled')).toHaveLength(10);
      // 5 + 50 committed: no further 10 can ever fit.
      for (const hold of firstTen.filter((hold) => !firstFive.includes(hold))) hold.commit({ tokens: 10, costUsd: 0 });
      const refusals = await Promise.all(calls.filter((call) => call.state() !== 'fulfilled').map((call) => within(refusal(call.promise))));
      expect(refusals).toHaveLength(10);
      for (const error of refusals) expect(error).toMatchObject({ code: 'BUDGET_EXCEEDED', details: { cap: 'run', committed: { tokens: 55 } } });
      expect(await port.spent('run')).toEqual({ tokens: 55, costUsd: 0 });
      expect(await second.spent('run')).toEqual({ tokens: 55, costUsd: 0 });
    });

    it('shares one budget between two ledgers of a run: spend and holds in one count in the other', async (context) => {
      const { port, second } = await open({ run: { tokens: 100, costUsd: 1 } });
      if (second === undefined) return context.skip();
      await port.record({ taskId: 'done', agentName: 'x', tokens: 10, costUsd: 0.25 });
      expect(await second.spent('run')).toEqual({ tokens: 10, costUsd: 0.25 });
      const holder = await within(port.reserve(charge(60), live()));
      const waiting = observe(second.reserve(charge(60, { taskId: 'b' }), live()));
      await expectStillWaiting(waiting);
      holder.commit({ tokens: 20, costUsd: 0.25 });
      const granted = await within(waiting.promise);
      expect(await second.spent('agent', 'x')).toEqual({ tokens: 30, costUsd: 0.5 });
      granted.commit({ tokens: 60, costUsd: 0 });
      // A commit reaches the other ledger soon, not at once: it is written after `commit` returns.
      await vi.waitFor(async () => expect(await port.spent('run')).toEqual({ tokens: 90, costUsd: 0.5 }), { timeout: SETTLE_TIMEOUT_MS, interval: 10 });
      expect(await within(refusal(port.reserve(charge(20, { taskId: 'c' }), live())))).toMatchObject({
        details: { cap: 'run', committed: { tokens: 90, costUsd: 0.5 }, held: { tokens: 0, costUsd: 0 } },
      });
    });
  });
}
