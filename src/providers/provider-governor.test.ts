import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { EnsembleError, ManualClock, isEnsembleError } from '../core/index.js';
import { createProviderGovernor, defaultProviderGovernor } from './provider-governor.js';
import type { GovernorEvent } from './provider-governor.js';
import type { CircuitChange, GateCallOptions, ProviderPause } from './provider-gate.js';
import { createMemoryPauseChannel } from './provider-pause-channel.js';
import type { ProviderPauseChannel, ProviderPauseNotice } from './provider-pause-channel.js';

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
const unavailable = (retryAfterMs?: number): EnsembleError =>
  new EnsembleError('PROVIDER_UNAVAILABLE', 'openai model "gpt-4.1": provider unavailable (HTTP 503)', {
    retryable: true,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

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

/** Settles to the value or the error, so tests can look at rejections without unhandled ones. */
function settled<T>(promise: Promise<T>): Promise<T | EnsembleError | unknown> {
  return promise.then(
    (value) => value,
    (error: unknown) => error,
  );
}

const live = (): AbortSignal => new AbortController().signal;

/** Gate options that record what the governor tells one caller. */
function recorder(): GateCallOptions & { pauses: ProviderPause[]; circuit: CircuitChange[]; suspended: number; resumed: number } {
  const record = {
    pauses: [] as ProviderPause[],
    circuit: [] as CircuitChange[],
    suspended: 0,
    resumed: 0,
    onPause: (pause: ProviderPause) => void record.pauses.push(pause),
    onCircuit: (change: CircuitChange) => void record.circuit.push(change),
    suspendTimeout: () => {
      record.suspended++;
      return () => void record.resumed++;
    },
  };
  return record;
}

describe('provider governor', () => {
  it('a 429 pauses every caller of that provider until retry-after, exactly, and goes back to its caller untried', async () => {
    const clock = new ManualClock(10_000);
    const governor = createProviderGovernor({ clock, random: () => 0.5 });
    const starts: Array<readonly [string, number]> = [];
    const firstOptions = recorder();
    const secondOptions = recorder();
    const first = settled(
      governor.run(
        'openai',
        live(),
        async () => {
          starts.push(['first', clock.now()]);
          throw rateLimited(1500);
        },
        firstOptions,
      ),
    );
    await flush();
    const second = governor.run(
      'openai',
      live(),
      async () => {
        starts.push(['second', clock.now()]);
        return 'second done';
      },
      secondOptions,
    );
    const other = governor.run('anthropic', live(), async () => {
      starts.push(['other', clock.now()]);
      return 'other done';
    });
    await flush();
    // The 429 is the first caller's answer: the task's retry policy decides what happens next.
    const error = await first;
    expect(isEnsembleError(error) && error.code).toBe('PROVIDER_RATE_LIMITED');
    expect(firstOptions.pauses).toEqual([{ reason: 'rate-limited', waitMs: 1500, error }]);
    expect(secondOptions.pauses).toEqual([{ reason: 'rate-limited', waitMs: 1500, error }]);
    expect(secondOptions.suspended).toBe(1);
    expect(starts).toEqual([
      ['first', 10_000],
      ['other', 10_000],
    ]);
    expect(governor.stats('openai')).toMatchObject({ pausedUntil: 11_500, waiting: 1, inFlight: 0, limit: 4 });
    expect(governor.stats('anthropic')).toMatchObject({ limit: 8, inFlight: 0, waiting: 0, breaker: 'closed' });
    await advance(clock, 11_499);
    expect(starts).toHaveLength(2);
    await advance(clock, 11_500);
    expect(starts[2]).toEqual(['second', 11_500]);
    await expect(Promise.all([second, other])).resolves.toEqual(['second done', 'other done']);
    expect(secondOptions.resumed).toBe(1);
    expect(governor.stats('openai').pausedUntil).toBeUndefined();
  });

  it('issue 6: never retries — a 5xx costs one call, then goes back to the task with the provider named', async () => {
    // Nested retries (5 governor attempts inside every task attempt) made 20 requests for retry.max 3.
    const clock = new ManualClock();
    const governor = createProviderGovernor({ clock });
    let calls = 0;
    const error = await settled(
      governor.run('openai', live(), async () => {
        calls++;
        throw unavailable();
      }),
    );
    expect(calls).toBe(1);
    expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', message: expect.stringContaining('openai') });
    expect(clock.pendingTimers).toBe(0);
  });

  it('caps concurrent calls at the limit, first come first served; a queued caller is told after queueNoticeMs and its timeout stops', async () => {
    const clock = new ManualClock();
    const governor = createProviderGovernor({ clock, initialConcurrency: 2, queueNoticeMs: 500 });
    const calls = [deferred<string>(), deferred<string>(), deferred<string>(), deferred<string>()];
    const options = calls.map(() => recorder());
    const started: number[] = [];
    const runs = calls.map((call, index) =>
      governor.run(
        'openai',
        live(),
        () => {
          started.push(index);
          return call.promise;
        },
        options[index],
      ),
    );
    await flush();
    expect(started).toEqual([0, 1]);
    expect(governor.stats('openai')).toMatchObject({ inFlight: 2, waiting: 2 });
    expect(options.map((option) => option.suspended)).toEqual([0, 0, 1, 1]);
    await advance(clock, 400);
    calls[1]!.resolve('one');
    await flush();
    expect(started).toEqual([0, 1, 2]);
    expect(options[2]!.resumed).toBe(1);
    await advance(clock, 500);
    // Still queued after 500 ms: told so, with a wait estimated from the one call that finished (400 ms).
    expect(options[3]!.pauses).toEqual([{ reason: 'queued', waitMs: 400 }]);
    expect(options[2]!.pauses).toEqual([]);
    calls[0]!.resolve('zero');
    calls[2]!.resolve('two');
    await flush();
    expect(started).toEqual([0, 1, 2, 3]);
    calls[3]!.resolve('three');
    await expect(Promise.all(runs)).resolves.toEqual(['zero', 'one', 'two', 'three']);
    expect(options.map((option) => [option.suspended, option.resumed])).toEqual([
      [0, 0],
      [0, 0],
      [1, 1],
      [1, 1],
    ]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('halves the limit once for a burst of 429s and grows it back by one per round of successes', async () => {
    const clock = new ManualClock();
    const events: GovernorEvent[] = [];
    const governor = createProviderGovernor({ clock, random: () => 0, onEvent: (event) => events.push(event) });
    const calls = Array.from({ length: 8 }, () => deferred<string>());
    const runs = calls.map((call) => settled(governor.run('openai', live(), () => call.promise)));
    await flush();
    expect(governor.stats('openai').inFlight).toBe(8);
    for (const call of calls) call.reject(rateLimited(1000));
    await Promise.all(runs);
    // Eight 429s from calls that all started before the first one: one halving, not eight.
    expect(governor.stats('openai')).toMatchObject({ limit: 4, pausedUntil: 1000 });
    await advance(clock, 1000);
    for (let index = 0; index < 4 + 5 + 6 + 7; index++) await governor.run('openai', live(), async () => 'ok');
    expect(governor.stats('openai').limit).toBe(8);
    expect(events.filter((event) => event.type === 'limit:change').map((event) => event.type === 'limit:change' && event.limit)).toEqual([4, 5, 6, 7, 8]);
  });

  it('a 429 without retry-after pauses for a backoff that doubles with each 429 in a row', async () => {
    const clock = new ManualClock();
    const governor = createProviderGovernor({ clock, random: () => 0, rateLimitBackoffMs: 1000 });
    const pauses: number[] = [];
    for (let index = 0; index < 3; index++) {
      await advance(clock, governor.stats('openai').pausedUntil ?? clock.now());
      await settled(governor.run('openai', live(), async () => Promise.reject(rateLimited()), { onPause: (pause) => pauses.push(pause.waitMs) }));
    }
    // Equal jitter with random 0: half of 1000, 2000, 4000.
    expect(pauses).toEqual([500, 1000, 2000]);
  });

  it('a 503 with retry-after makes every caller back off, without cutting the limit', async () => {
    const clock = new ManualClock();
    const governor = createProviderGovernor({ clock });
    const first = recorder();
    const waiting = recorder();
    const failing = settled(governor.run('openai', live(), async () => Promise.reject(unavailable(2000)), first));
    await failing;
    const next = governor.run('openai', live(), async () => 'after', waiting);
    await flush();
    expect(first.pauses.map((pause) => [pause.reason, pause.waitMs])).toEqual([['backoff', 2000]]);
    expect(waiting.pauses.map((pause) => [pause.reason, pause.waitMs])).toEqual([['backoff', 2000]]);
    expect(governor.stats('openai')).toMatchObject({ limit: 8, pausedUntil: 2000 });
    await advance(clock, 2000);
    await expect(next).resolves.toBe('after');
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

  it('opens the breaker after N failures; callers it can let through in time wait for the probe, then all succeed', async () => {
    const clock = new ManualClock();
    const events: GovernorEvent[] = [];
    const governor = createProviderGovernor({ clock, breakerThreshold: 3, breakerCooldownMs: 10_000, circuitWaitMs: 15_000, onEvent: (event) => events.push(event) });
    let isDown = true;
    const startedAt: number[] = [];
    const recovered = deferred<string>();
    const call = async (): Promise<string> => {
      startedAt.push(clock.now());
      if (isDown) throw unavailable();
      return recovered.promise;
    };
    const failures = [recorder(), recorder(), recorder()];
    for (const options of failures) await settled(governor.run('openai', live(), call, options));
    expect(failures.map((options) => options.circuit)).toEqual([[], [], [{ state: 'open', failures: 3 }]]);
    expect(governor.stats('openai')).toMatchObject({ breaker: 'open', reopensAt: 10_000 });
    await advance(clock, 2000);
    const waiters = [recorder(), recorder()];
    const second = governor.run('openai', live(), call, waiters[0]);
    const third = governor.run('openai', live(), call, waiters[1]);
    await flush();
    expect(waiters.map((options) => options.pauses)).toEqual([[{ reason: 'circuit-open', waitMs: 8000 }], [{ reason: 'circuit-open', waitMs: 8000 }]]);
    await advance(clock, 9999);
    expect(startedAt).toHaveLength(3);
    isDown = false;
    await advance(clock, 10_000);
    // Half-open: the probe goes alone.
    expect(startedAt.slice(3)).toEqual([10_000]);
    expect(governor.stats('openai')).toMatchObject({ breaker: 'half-open', inFlight: 1, waiting: 1 });
    recovered.resolve('answer');
    await expect(Promise.all([second, third])).resolves.toEqual(['answer', 'answer']);
    expect(waiters[0]!.circuit).toEqual([{ state: 'half-open' }, { state: 'closed' }]);
    expect(governor.stats('openai').breaker).toBe('closed');
    expect(events.filter((event) => event.type.startsWith('circuit:'))).toEqual([
      { type: 'circuit:open', provider: 'openai', reopensAt: 10_000, failures: 3 },
      { type: 'circuit:close', provider: 'openai' },
    ]);
  });

  it('issue 6: an open circuit fails callers it cannot let through within circuitWaitMs with PROVIDER_CIRCUIT_OPEN, at once', async () => {
    const clock = new ManualClock();
    const governor = createProviderGovernor({ clock, breakerThreshold: 1, breakerCooldownMs: 30_000, circuitWaitMs: 5000 });
    await settled(governor.run('ollama', live(), async () => Promise.reject(unavailable())));
    let calls = 0;
    const options = recorder();
    const error = await settled(governor.run('ollama', live(), async () => ++calls, options));
    expect(calls).toBe(0);
    expect(error).toMatchObject({ code: 'PROVIDER_CIRCUIT_OPEN', retryable: false, details: { provider: 'ollama', failures: 1, reopensAt: 30_000 } });
    expect((error as EnsembleError).message).toBe(
      'provider "ollama": the circuit is open after 1 consecutive failures and it stays open for another 30 s, longer than a call may wait (providerPolicy.circuitWaitMs: 5000 ms); last error: openai model "gpt-4.1": provider unavailable (HTTP 503)',
    );
    expect(clock.now()).toBe(0);
    expect(options.resumed).toBe(options.suspended);
    expect(clock.pendingTimers).toBe(0);
  });

  it('a caller held by a probe that takes too long fails when its circuit wait ends; a failed probe fails the others', async () => {
    const clock = new ManualClock();
    const governor = createProviderGovernor({ clock, breakerThreshold: 1, breakerCooldownMs: 1000, circuitWaitMs: 3000 });
    await settled(governor.run('openai', live(), async () => Promise.reject(unavailable())));
    const probe = deferred<string>();
    const probing = settled(governor.run('openai', live(), () => probe.promise));
    const held = settled(governor.run('openai', live(), async () => 'held'));
    await advance(clock, 1000);
    expect(governor.stats('openai')).toMatchObject({ breaker: 'half-open', inFlight: 1, waiting: 1 });
    // Held since 0 by the open circuit: its 3 s are up at 3000 while the probe still runs.
    await advance(clock, 3000);
    expect(await held).toMatchObject({ code: 'PROVIDER_CIRCUIT_OPEN', message: expect.stringContaining('its probe call is still running') });
    const late = settled(governor.run('openai', live(), async () => 'late'));
    await flush();
    probe.reject(unavailable());
    // The probe failed: open again until 4000 + ... the late caller (deadline 6000) can wait for 4000 + 1000.
    expect(await probing).toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    await advance(clock, 5000);
    expect(await late).toBe('late');
  });

  it('an abort while waiting for a slot rejects with the reason, leaves the queue and restarts the timeout', async () => {
    const clock = new ManualClock();
    const governor = createProviderGovernor({ clock, initialConcurrency: 1 });
    const busy = deferred<string>();
    const holder = governor.run('openai', live(), () => busy.promise);
    const controller = new AbortController();
    let didStart = false;
    const options = recorder();
    const aborted = governor.run(
      'openai',
      controller.signal,
      async () => {
        didStart = true;
        return 'never';
      },
      options,
    );
    const next = governor.run('openai', live(), async () => 'next');
    await flush();
    expect(governor.stats('openai').waiting).toBe(2);
    const reason = new EnsembleError('RUN_CANCELLED', 'cancelled by test');
    controller.abort(reason);
    await expect(aborted).rejects.toBe(reason);
    expect([options.suspended, options.resumed]).toEqual([1, 1]);
    expect(governor.stats('openai').waiting).toBe(1);
    busy.resolve('held');
    await expect(Promise.all([holder, next])).resolves.toEqual(['held', 'next']);
    expect(didStart).toBe(false);
    expect(governor.stats('openai')).toMatchObject({ inFlight: 0, waiting: 0 });
  });

  it('an abort during a pause or a circuit wait rejects with the reason and leaves no timer behind', async () => {
    const clock = new ManualClock();
    const governor = createProviderGovernor({ clock, breakerThreshold: 1, circuitWaitMs: 60_000 });
    await settled(governor.run('openai', live(), async () => Promise.reject(rateLimited(60_000))));
    await settled(governor.run('google', live(), async () => Promise.reject(unavailable())));
    const pauseController = new AbortController();
    const paused = governor.run('openai', pauseController.signal, async () => 'never');
    const circuitController = new AbortController();
    const held = governor.run('google', circuitController.signal, async () => 'never');
    await flush();
    expect(clock.pendingTimers).toBe(2);
    const pauseReason = new Error('stop waiting for openai');
    const circuitReason = new Error('stop waiting for google');
    pauseController.abort(pauseReason);
    circuitController.abort(circuitReason);
    await expect(paused).rejects.toBe(pauseReason);
    await expect(held).rejects.toBe(circuitReason);
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

  it('shares one process-wide governor per set of settings', () => {
    expect(defaultProviderGovernor()).toBe(defaultProviderGovernor({ circuitWaitMs: 15_000 }));
    expect(defaultProviderGovernor({ circuitWaitMs: 1000 })).not.toBe(defaultProviderGovernor());
  });

  it('a real HTTP 429 with retry-after: 1 holds the next caller for the pause on the real clock', async () => {
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
      const call = async (signal: AbortSignal): Promise<{ answer: number }> => {
        const response = await fetch(`http://127.0.0.1:${port}/v1/chat`, { signal });
        if (response.status === 429) {
          const retryAfterSeconds = Number(response.headers.get('retry-after'));
          await response.body?.cancel();
          throw new EnsembleError('PROVIDER_RATE_LIMITED', 'provider "local" answered 429', { retryable: true, retryAfterMs: retryAfterSeconds * 1000 });
        }
        return (await response.json()) as { answer: number };
      };
      await expect(governor.run('local', live(), call)).rejects.toMatchObject({ code: 'PROVIDER_RATE_LIMITED', retryAfterMs: 1000 });
      expect(await governor.run('local', live(), call)).toEqual({ answer: 42 });
      expect(requestTimes).toHaveLength(2);
      expect(requestTimes[1]! - requestTimes[0]!).toBeGreaterThanOrEqual(995);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('provider governor with a pause channel', () => {
  const quietLogger = { warn: () => undefined, error: () => undefined };
  const notice = (fields: Partial<ProviderPauseNotice> = {}): ProviderPauseNotice => ({ provider: 'openai', pausedUntil: 10_500, retryAfterMs: 500, origin: 'elsewhere', ...fields });

  it('publishes a 429 it got with its origin, pausedUntil and retry-after, and ignores notices of its own origin', async () => {
    const clock = new ManualClock(10_000);
    const channel = createMemoryPauseChannel();
    const heard: ProviderPauseNotice[] = [];
    await channel.subscribe((pause) => heard.push(pause));
    const governor = createProviderGovernor({ clock, origin: 'me', pauseChannel: channel });
    await governor.ready();
    await settled(governor.run('openai', live(), () => Promise.reject(rateLimited(300))));
    expect(heard).toEqual([{ provider: 'openai', pausedUntil: 10_300, retryAfterMs: 300, origin: 'me' }]);
    // An echo of its own, even with a later end (a replay), changes nothing here.
    await channel.publish(notice({ origin: 'me', pausedUntil: 20_000 }));
    expect(governor.stats('openai')).toMatchObject({ pausedUntil: 10_300, limit: 4 });
    await channel.close();
  });

  it("extends a pause in force with a later notice without halving again, ignores an earlier or ended one, and doesn't publish others' pauses", async () => {
    const clock = new ManualClock(10_000);
    const channel = createMemoryPauseChannel();
    const heard: ProviderPauseNotice[] = [];
    await channel.subscribe((pause) => heard.push(pause));
    const events: GovernorEvent[] = [];
    const governor = createProviderGovernor({ clock, origin: 'me', pauseChannel: channel, onEvent: (event) => events.push(event) });
    await governor.ready();
    await channel.publish(notice({ pausedUntil: 9_000 }));
    expect(governor.stats('openai')).not.toHaveProperty('pausedUntil');
    await channel.publish(notice({ pausedUntil: 10_500 }));
    await channel.publish(notice({ pausedUntil: 10_400, origin: 'third' }));
    await channel.publish(notice({ pausedUntil: 11_000, retryAfterMs: 1_000, origin: 'third' }));
    expect(governor.stats('openai')).toMatchObject({ pausedUntil: 11_000, limit: 4 });
    expect(events.map((event) => event.type)).toEqual(['provider:pause', 'limit:change', 'provider:pause']);
    expect(heard.map((pause) => pause.origin)).toEqual(['elsewhere', 'elsewhere', 'third', 'third']);
    await channel.close();
  });

  it('stays correct when the channel fails: a failed subscription is logged and calls run, a failed publish is logged and the 429 still goes to its caller', async () => {
    const errors: string[] = [];
    const warnings: string[] = [];
    const logger = { warn: (text: string) => void warnings.push(text), error: (text: string) => void errors.push(text) };
    const broken: ProviderPauseChannel = {
      publish: () => Promise.reject(new Error('redis is gone')),
      subscribe: () => Promise.reject(new Error('redis is gone')),
      close: () => Promise.resolve(),
    };
    const clock = new ManualClock(10_000);
    const governor = createProviderGovernor({ clock, pauseChannel: broken, logger });
    await expect(governor.run('openai', live(), async () => 'ran')).resolves.toBe('ran');
    expect(errors).toEqual([expect.stringContaining('cannot hear the pause channel')]);
    await expect(governor.run('openai', live(), () => Promise.reject(rateLimited(300)))).rejects.toMatchObject({ code: 'PROVIDER_RATE_LIMITED' });
    await flush();
    expect(warnings).toEqual([expect.stringContaining('could not share the pause of openai')]);
    expect(governor.stats('openai').pausedUntil).toBe(10_300);
  });

  it('a first call aborted while the governor still subscribes rejects with the abort reason', async () => {
    const never: ProviderPauseChannel = { publish: () => Promise.resolve(), subscribe: () => new Promise(() => undefined), close: () => Promise.resolve() };
    const governor = createProviderGovernor({ clock: new ManualClock(), pauseChannel: never, logger: quietLogger });
    const controller = new AbortController();
    let calls = 0;
    const running = governor.run('openai', controller.signal, async () => ++calls);
    const reason = new Error('task cancelled');
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(calls).toBe(0);
  });
});
