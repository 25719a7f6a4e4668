import { describe, expect, it } from 'vitest';
import { BudgetLedger, hasCostCap } from './budget-ledger.js';
import type { BudgetCharge } from './budget-ledger.js';
import { EnsembleError, isEnsembleError } from './errors.js';

const live = (): { signal: AbortSignal } => ({ signal: new AbortController().signal });
const charge = (tokens: number, extra: Partial<BudgetCharge> = {}): BudgetCharge => ({ taskId: 'a', agentName: 'x', tokens, costUsd: 0, ...extra });

/** Lets pending promise callbacks run. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function refusal(promise: Promise<unknown>): Promise<EnsembleError> {
  try {
    await promise;
  } catch (error) {
    if (isEnsembleError(error)) return error;
    throw error;
  }
  throw new Error('expected BUDGET_EXCEEDED');
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

describe('BudgetLedger (the in-process BudgetPort)', () => {
  it('issue 6: holds are not spending — a call that fits committed spend waits for holds to settle instead of failing', async () => {
    // At concurrency 3 under a 10,000-token cap, the third call failed with "spent so far: 8400" while 600 were spent.
    const ledger = new BudgetLedger({ run: { tokens: 10_000 } });
    const first = await ledger.reserve(charge(4200, { taskId: 'a' }), live());
    const second = await ledger.reserve(charge(4200, { taskId: 'b' }), live());
    const third = observe(ledger.reserve(charge(4200, { taskId: 'c' }), live()));
    await flush();
    expect(third.state()).toBe('pending');
    expect(ledger.waiting).toBe(1);
    first.commit({ tokens: 300, costUsd: 0 });
    await flush();
    expect(third.state()).toBe('fulfilled');
    second.commit({ tokens: 300, costUsd: 0 });
    (await third.promise).commit({ tokens: 300, costUsd: 0 });
    expect(await ledger.spent('run')).toEqual({ tokens: 900, costUsd: 0 });
    expect(ledger.held('run')).toEqual({ tokens: 0, costUsd: 0 });
  });

  it('refuses at once a call that cannot fit against committed spend alone, naming the cap, the committed and the held amounts', async () => {
    const ledger = new BudgetLedger({ run: { tokens: 1000 } });
    await ledger.record({ taskId: 'done', agentName: 'x', tokens: 700, costUsd: 0.5 });
    const holder = await ledger.reserve(charge(200), live());
    const error = await refusal(ledger.reserve(charge(400, { taskId: 'big' }), live()));
    expect(error).toMatchObject({
      code: 'BUDGET_EXCEEDED',
      retryable: false,
      details: { cap: 'run', name: 'run', committed: { tokens: 700, costUsd: 0.5 }, held: { tokens: 200, costUsd: 0 }, requested: { tokens: 400, costUsd: 0 } },
    });
    expect(error.message).toBe(
      'task "big" stopped: its model call could use 400 tokens ($0.0000), which would cross the 1000 tokens cap of the run (committed: 700 tokens, $0.5000; held by calls in flight: 200 tokens, $0.0000)',
    );
    holder.release();
  });

  it('refuses a waiting call once a settled hold shows it can never fit', async () => {
    const ledger = new BudgetLedger({ run: { tokens: 1000 } });
    const holder = await ledger.reserve(charge(800), live());
    const waiting = observe(ledger.reserve(charge(500, { taskId: 'b' }), live()));
    await flush();
    expect(waiting.state()).toBe('pending');
    // The held call really spent 600: 600 + 500 crosses the cap whatever happens next.
    holder.commit({ tokens: 600, costUsd: 0 });
    const error = await refusal(waiting.promise);
    expect(error.message).toContain('committed: 600 tokens');
    expect(ledger.waiting).toBe(0);
  });

  it('a release lets the waiting call through; a hold settles once', async () => {
    const ledger = new BudgetLedger({ run: { tokens: 100 } });
    const holder = await ledger.reserve(charge(60), live());
    const waiting = ledger.reserve(charge(60, { taskId: 'b' }), live());
    holder.release();
    holder.commit({ tokens: 1000, costUsd: 0 });
    const granted = await waiting;
    expect(ledger.held('run').tokens).toBe(60);
    granted.commit({ tokens: 40, costUsd: 0 });
    granted.commit({ tokens: 40, costUsd: 0 });
    expect(await ledger.spent('run')).toEqual({ tokens: 40, costUsd: 0 });
  });

  it('an abort while waiting rejects with the reason and leaves the queue', async () => {
    const ledger = new BudgetLedger({ run: { tokens: 100 } });
    const holder = await ledger.reserve(charge(90), live());
    const controller = new AbortController();
    const waiting = ledger.reserve(charge(50, { taskId: 'b' }), { signal: controller.signal });
    const reason = new EnsembleError('TASK_TIMEOUT', 'timed out');
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    expect(ledger.waiting).toBe(0);
    holder.release();
    const aborted = new AbortController();
    aborted.abort(reason);
    await expect(ledger.reserve(charge(1), { signal: aborted.signal })).rejects.toBe(reason);
  });

  it('names the cap that stops a call: task, agent or run, and dollars as well as tokens', async () => {
    const ledger = new BudgetLedger({ run: { costUsd: 1 }, agents: { writer: { tokens: 100 } }, tasks: { tiny: { tokens: 10 } } });
    expect(await refusal(ledger.reserve({ taskId: 'tiny', agentName: 'writer', tokens: 50, costUsd: 0 }, live()))).toMatchObject({
      details: { cap: 'task', name: 'tiny' },
    });
    expect((await refusal(ledger.reserve({ taskId: 'other', agentName: 'writer', tokens: 150, costUsd: 0 }, live()))).message).toContain('agent "writer"');
    expect((await refusal(ledger.reserve({ taskId: 'other', agentName: 'reader', tokens: 1, costUsd: 2 }, live()))).message).toContain('$1 cap of the run');
  });

  it('counts spend recorded from before a resume against every cap', async () => {
    const ledger = new BudgetLedger({ run: { tokens: 100 }, agents: { writer: { tokens: 60 } } });
    await ledger.record({ taskId: 'done-earlier', agentName: 'writer', tokens: 50, costUsd: 0.1 });
    expect(await ledger.spent('agent', 'writer')).toEqual({ tokens: 50, costUsd: 0.1 });
    expect((await refusal(ledger.reserve({ taskId: 'next', agentName: 'writer', tokens: 20, costUsd: 0 }, live()))).message).toContain('agent "writer"');
    expect((await refusal(ledger.reserve({ taskId: 'next', agentName: 'reader', tokens: 60, costUsd: 0 }, live()))).message).toContain('of the run');
  });

  it('commits more than the hold when the call spent more than its estimate', async () => {
    const ledger = new BudgetLedger({ run: { tokens: 1000 } });
    const hold = await ledger.reserve(charge(100), live());
    hold.commit({ tokens: 250, costUsd: 0.01 });
    expect(await ledger.spent('task', 'a')).toEqual({ tokens: 250, costUsd: 0.01 });
  });

  it('reports whether any cap is set, and whether a task runs under a dollar cap', () => {
    expect(new BudgetLedger({}).isCapped).toBe(false);
    expect(new BudgetLedger({ tasks: {} }).isCapped).toBe(false);
    expect(new BudgetLedger({ agents: { a: { tokens: 1 } } }).isCapped).toBe(true);
    expect(hasCostCap({ run: { tokens: 5 } }, 't', 'a')).toBe(false);
    expect(hasCostCap({ agents: { a: { costUsd: 1 } } }, 't', 'a')).toBe(true);
    expect(hasCostCap({ agents: { a: { costUsd: 1 } } }, 't', 'b')).toBe(false);
    expect(hasCostCap({ tasks: { t: { costUsd: 1 } } }, 't', 'b')).toBe(true);
  });
});
