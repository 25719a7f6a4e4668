import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EnsembleError, ManualClock } from '../core/index.js';
import { createProviderGovernor } from './provider-governor.js';
import type { GovernorEvent } from './provider-governor.js';

/** Lets every pending promise callback run. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Fires the manual clock's timers up to `untilMs`, letting promises settle after each. */
async function advance(clock: ManualClock, untilMs: number): Promise<void> {
  await flush();
  for (;;) {
    const dueAt = clock.nextDueAt();
    if (dueAt === undefined || dueAt > untilMs) break;
    clock.fireNext();
    await flush();
  }
  clock.setNow(untilMs);
  await flush();
}

const rateLimited = (retryAfterMs?: number): EnsembleError =>
  new EnsembleError('PROVIDER_RATE_LIMITED', 'provider "openai" answered 429', { retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
const unavailable = (): EnsembleError => new EnsembleError('PROVIDER_UNAVAILABLE', 'provider "openai" answered 503', { retryable: true });

/** A call the test settles by hand. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((settleResolve, settleReject) => {
    resolve = settleResolve;
    reject = settleReject;
  });
  return { promise, resolve, reject };
}

const live = (): AbortSignal => new AbortController().signal;

describe('provider governor', () => {
  it('a 429 pauses every caller of that provider until retry-after, exactly, but not callers of other providers', async () => {
    const clock = new ManualClock(10_000);
    const governor = createProviderGovernor({ clock, random: () => 0.5 });
    const starts: Array<readonly [string, number]> = [];
    let isFirst = true;
    const first = governor.run('openai', live(), async () => {
      starts.push(['first', clock.now()]);
      if (isFirst) {
        isFirst = false;
        throw rateLimited(1500);
      }
      return 'first done';
    });
    await flush();
    const second = governor.run('openai', live(), async () => {
      starts.push(['second', clock.now()]);
      return 'second done';
    });
    const other = governor.run('anthropic', live(), async () => {
      starts.push(['other', clock.now()]);
      return 'other done';
    });
    await flush();
    expect(starts).toEqual([
      ['first', 10_000],
      ['other', 10_000],
    ]);
    expect(governor.stats('openai')).toMatchObject({ pausedUntil: 11_500, waiting: 2, inFlight: 0, limit: 4 });
    expect(governor.stats('anthropic')).toMatchObject({ limit: 8, inFlight: 0, waiting: 0, breaker: 'closed' });
    await advance(clock, 11_499);
    expect(starts).toHaveLength(2);
    await advance(clock, 11_500);
    expect(starts.slice(2)).toEqual([
      ['first', 11_500],
      ['second', 11_500],
    ]);
    await expect(Promise.all([first, second, other])).resolves.toEqual(['first done', 'second done', 'other done']);
    expect(governor.stats('openai').pausedUntil).toBeUndefined();
  });

  it('caps concurrent calls at the limit, admitting waiters first come, first served', async () => {
    const clock = new ManualClock();
    const governor = createProviderGovernor({ clock, initialConcurrency: 2 });
    const calls = [deferred<string>(), deferred<string>(), deferred<string>(), deferred<string>()];
    const started: number[] = [];
    const runs = calls.map((call, index) =>
      governor.run('openai', live(), () => {
        started.push(index);
        return call.promise;
      }),
    );
    await flush();
    expect(started).toEqual([0, 1]);
    expect(governor.stats('openai')).toMatchObject({ inFlight: 2, waiting: 2 });
    calls[1]!.resolve('one');
    await flush();
    expect(started).toEqual([0, 1, 2]);
    calls[0]!.resolve('zero');
    calls[2]!.resolve('two');
    await flush();
    expect(started).toEqual([0, 1, 2, 3]);
    calls[3]!.resolve('three');
    await expect(Promise.all(runs)).resolves.toEqual(['zero', 'one', 'two', 'three']);
  });

  it('halves the limit once for a burst of 429s and grows it back by one per round of successes', async () => {
    const clock = new ManualClock();
    const events: GovernorEvent[] = [];
    const governor = createProviderGovernor({ clock, random: () => 0, onEvent: (event) => events.push(event) });
    const calls = Array.from({ length: 8 }, () => deferred<string>());
    let attempts = 0;
    const runs = calls.map((call) =>
      governor.run('openai', live(), () => {
        attempts++;
        return attempts <= 8 ? call.promise : Promise.resolve('retried');
      }),
    );
    await flush();
    expect(governor.stats('openai').inFlight).toBe(8);
    for (const call of calls) call.reject(rateLimited(1000));
    await flush();
    // Eight 429s from calls that all started before the first one: one halving, not eight.
    expect(governor.stats('openai')).toMatchObject({ limit: 4, waiting: 8, pausedUntil: 1000 });
    await advance(clock, 1000);
    await expect(Promise.all(runs)).resolves.toEqual(Array(8).fill('retried'));
    // 8 retries succeeded: 4 grow the limit to 5, the next 4 count towards the next step.
    expect(governor.stats('openai').limit).toBe(5);
    for (let index = 0; index < 1 + 6 + 7; index++) await governor.run('openai', live(), async () => 'ok');
    expect(governor.stats('openai').limit).toBe(8);
    expect(events.filter((event) => event.type === 'limit:change').map((event) => event.type === 'limit:change' && event.limit)).toEqual([4, 5, 6, 7, 8]);
  });

  it('retries 5xx and network errors with exponential backoff and throws the last error after maxAttempts', async () => {
    const clock = new ManualClock();
    const governor = createProviderGovernor({ clock, random: () => 0, maxAttempts: 3, backoffMs: 500, breakerThreshold: 10 });
    const startedAt: number[] = [];
    const errors: EnsembleError[] = [];
    const running = governor.run('openai', live(), async () => {
      startedAt.push(clock.now());
      const error = unavailable();
      errors.push(error);
      throw error;
    });
    const outcome = running.then(
      () => undefined,
      (error: unknown) => error,
    );
    await advance(clock, 60_000);
    // Equal jitter with random 0: half of 500, then half of 1000.
    expect(startedAt).toEqual([0, 250, 750]);
    expect(await outcome).toBe(errors[2]);
  });

  it('rethrows a non-retryable error at once without tripping the breaker, and unknown throws untouched', async () => {
    const clock = new ManualClock();
    const governor = createProviderGovernor({ clock, breakerThreshold: 1 });
    const invalid = new EnsembleError('PROVIDER_ERROR', 'provider "openai" answered 400: bad model', { retryable: false });
    let calls = 0;
    await expect(
      governor.run('openai', live(), async () => {
        calls++;
        throw invalid;
      }),
    ).rejects.toBe(invalid);
    const raw = new TypeError('not ours');
    await expect(
      governor.run('openai', live(), async () => {
        calls++;
        throw raw;
      }),
    ).rejects.toBe(raw);
    expect(calls).toBe(2);
    expect(governor.stats('openai').breaker).toBe('closed');
    expect(clock.pendingTimers).toBe(0);
  });

  it('opens the breaker after N failures; callers then wait, not fail, and succeed after the cool-down', async () => {
    const clock = new ManualClock();
    const events: GovernorEvent[] = [];
    const governor = createProviderGovernor({
      clock,
      random: () => 0,
      breakerThreshold: 3,
      breakerCooldownMs: 30_000,
      backoffMs: 100,
      maxAttempts: 10,
      onEvent: (event) => events.push(event),
    });
    let isDown = true;
    const startedAt: number[] = [];
    const recovered = deferred<string>();
    const call = async (): Promise<string> => {
      startedAt.push(clock.now());
      if (isDown) throw unavailable();
      return recovered.promise;
    };
    const first = governor.run('openai', live(), call);
    // Failures at 0, 50 and 150 (backoff 50, 100): the third opens the circuit until 30 150.
    await advance(clock, 1000);
    expect(startedAt).toEqual([0, 50, 150]);
    expect(governor.stats('openai')).toMatchObject({ breaker: 'open', reopensAt: 30_150 });
    const second = governor.run('openai', live(), call);
    const third = governor.run('openai', live(), call);
    await advance(clock, 30_149);
    expect(startedAt).toHaveLength(3);
    expect(governor.stats('openai').waiting).toBe(3);
    isDown = false;
    await advance(clock, 30_150);
    // Half-open: the probe goes alone.
    expect(startedAt.slice(3)).toEqual([30_150]);
    expect(governor.stats('openai')).toMatchObject({ breaker: 'half-open', inFlight: 1, waiting: 2 });
    recovered.resolve('answer');
    await expect(Promise.all([first, second, third])).resolves.toEqual(['answer', 'answer', 'answer']);
    expect(startedAt.slice(3)).toEqual([30_150, 30_150, 30_150]);
    expect(governor.stats('openai').breaker).toBe('closed');
    expect(events.filter((event) => event.type.startsWith('circuit:'))).toEqual([
      { type: 'circuit:open', provider: 'openai', reopensAt: 30_150 },
      { type: 'circuit:close', provider: 'openai' },
    ]);
  });

  it('a failed probe keeps the circuit open for another cool-down while callers keep waiting', async () => {
    const clock = new ManualClock();
    const governor = createProviderGovernor({ clock, random: () => 0, breakerThreshold: 1, breakerCooldownMs: 1000, backoffMs: 10, maxAttempts: 3 });
    let failuresLeft = 2;
    const startedAt: number[] = [];
    const waiting = governor.run('openai', live(), async () => {
      startedAt.push(clock.now());
      if (failuresLeft-- > 0) throw unavailable();
      return 'up';
    });
    await advance(clock, 5000);
    await expect(waiting).resolves.toBe('up');
    expect(startedAt).toEqual([0, 1000, 2000]);
  });

  it('an abort while waiting for a slot rejects with the reason, leaves the queue and frees the place', async () => {
    const clock = new ManualClock();
    const governor = createProviderGovernor({ clock, initialConcurrency: 1 });
    const busy = deferred<string>();
    const holder = governor.run('openai', live(), () => busy.promise);
    const controller = new AbortController();
    let didStart = false;
    const aborted = governor.run('openai', controller.signal, async () => {
      didStart = true;
      return 'never';
    });
    const next = governor.run('openai', live(), async () => 'next');
    await flush();
    expect(governor.stats('openai').waiting).toBe(2);
    const reason = new EnsembleError('RUN_CANCELLED', 'cancelled by test');
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect(governor.stats('openai').waiting).toBe(1);
    busy.resolve('held');
    await expect(Promise.all([holder, next])).resolves.toEqual(['held', 'next']);
    expect(didStart).toBe(false);
    expect(governor.stats('openai')).toMatchObject({ inFlight: 0, waiting: 0 });
  });

  it('an abort during a pause or a backoff rejects with the reason and leaves no timer behind', async () => {
    const clock = new ManualClock();
    const governor = createProviderGovernor({ clock, random: () => 0 });
    const pauseController = new AbortController();
    const paused = governor.run('openai', pauseController.signal, async () => {
      throw rateLimited(60_000);
    });
    const backoffController = new AbortController();
    const backingOff = governor.run('google', backoffController.signal, async () => {
      throw unavailable();
    });
    await flush();
    expect(clock.pendingTimers).toBe(2);
    const pauseReason = new Error('stop waiting for openai');
    const backoffReason = new Error('stop waiting for google');
    pauseController.abort(pauseReason);
    backoffController.abort(backoffReason);
    await expect(paused).rejects.toBe(pauseReason);
    await expect(backingOff).rejects.toBe(backoffReason);
    expect(clock.pendingTimers).toBe(0);
  });

  it('an abort during the call rejects with the reason, not the call error, and frees the slot', async () => {
    const clock = new ManualClock();
    const governor = createProviderGovernor({ clock, initialConcurrency: 1 });
    const controller = new AbortController();
    const reason = new Error('task timed out');
    const running = governor.run('openai', controller.signal, (signal) => {
      return new Promise<string>((_resolve, reject) => signal.addEventListener('abort', () => reject(new Error('fetch aborted'))));
    });
    await flush();
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    await expect(governor.run('openai', live(), async () => 'free')).resolves.toBe('free');
  });

  it('a real HTTP 429 with retry-after: 1 is waited out, then the call succeeds', async () => {
    const requestTimes: number[] = [];
    const server = createServer((request, response) => {
      requestTimes.push(Date.now());
      if (requestTimes.length === 1) {
        response.writeHead(429, { 'retry-after': '1', 'content-type': 'application/json' });
        response.end('{"error":{"message":"slow down"}}');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"answer":42}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const governor = createProviderGovernor();
      const startedAt = Date.now();
      const body = await governor.run('local', live(), async (signal) => {
        const response = await fetch(`http://127.0.0.1:${port}/v1/chat`, { signal });
        if (response.status === 429) {
          const retryAfterSeconds = Number(response.headers.get('retry-after'));
          await response.body?.cancel();
          throw new EnsembleError('PROVIDER_RATE_LIMITED', 'provider "local" answered 429', { retryable: true, retryAfterMs: retryAfterSeconds * 1000 });
        }
        return (await response.json()) as { answer: number };
      });
      expect(body).toEqual({ answer: 42 });
      expect(requestTimes).toHaveLength(2);
      expect(Date.now() - startedAt).toBeGreaterThanOrEqual(1000);
      expect(requestTimes[1]! - requestTimes[0]!).toBeGreaterThanOrEqual(995);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
