import { afterEach, describe, expect, it } from 'vitest';
import { EnsembleError, ManualClock } from '../../src/core/index.js';
import type { Logger } from '../../src/core/index.js';
import { createProviderGovernor } from '../../src/providers/index.js';
import type { GateCallOptions, GovernorEvent, ProviderGovernor, ProviderPause, ProviderPauseChannel, ProviderPauseNotice } from '../../src/providers/index.js';
import { waitUntil } from '../helpers/wait-until.js';

/** What the contract needs from an implementation. */
export interface PauseChannelFixture {
  /**
   * The channel one more governor uses, as a process of the fleet would hold it: the memory
   * implementation hands out its one channel, the Redis one a new channel (own connections) each time.
   */
  openChannel(): ProviderPauseChannel;
  /** Closes every channel opened and frees the rest (a Redis server). */
  dispose(): Promise<void>;
}

const quietLogger: Logger = { warn: () => undefined, error: () => undefined };
const START_AT = 10_000;

/** Lets pending promise callbacks (and I/O already read) run. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Waits (bounded, real time) until `condition` holds: deliveries on a real channel take a round trip. */
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

const rateLimited = (retryAfterMs: number): EnsembleError =>
  new EnsembleError('PROVIDER_RATE_LIMITED', 'provider "openai" answered 429', { retryable: true, retryAfterMs });

/** Settles to the value or the error, so a test can hold a rejection without an unhandled one. */
const settled = <T>(promise: Promise<T>): Promise<T | unknown> => promise.then((value) => value, (error: unknown) => error);

type PauseEvent = Extract<GovernorEvent, { readonly type: 'provider:pause' }>;
const pausesOf = (events: readonly GovernorEvent[]): PauseEvent[] => events.filter((event): event is PauseEvent => event.type === 'provider:pause');

/** Gate options that record what the governor tells one caller. */
function listener(): GateCallOptions & { readonly pauses: ProviderPause[] } {
  const pauses: ProviderPause[] = [];
  return { pauses, onPause: (pause) => void pauses.push(pause) };
}

/**
 * The contract of `ProviderPauseChannel`, through the governors it links (memory in one process,
 * Redis across processes): a 429 in governor A pauses that provider in governor B until A's
 * `pausedUntil` (checked on a shared manual clock, not on wall time) and B's waiting callers are
 * told; other providers are not delayed; each governor halves its limit once for one 429 and
 * ignores its own notices; a governor that subscribes during a pause learns it.
 */
export function describeProviderPauseContract(name: string, createFixture: () => PauseChannelFixture | Promise<PauseChannelFixture>): void {
  describe(`ProviderPauseChannel contract: ${name}`, () => {
    let fixture: PauseChannelFixture | undefined;
    afterEach(async () => {
      await fixture?.dispose();
      fixture = undefined;
    });

    async function governors(clock: ManualClock): Promise<{ a: ProviderGovernor; b: ProviderGovernor; eventsOfA: GovernorEvent[]; eventsOfB: GovernorEvent[]; open: () => ProviderPauseChannel }> {
      fixture = await createFixture();
      const open = fixture.openChannel.bind(fixture);
      const eventsOfA: GovernorEvent[] = [];
      const eventsOfB: GovernorEvent[] = [];
      const a = createProviderGovernor({ clock, origin: 'governor-a', pauseChannel: open(), logger: quietLogger, onEvent: (event) => eventsOfA.push(event) });
      const b = createProviderGovernor({ clock, origin: 'governor-b', pauseChannel: open(), logger: quietLogger, initialConcurrency: 2, onEvent: (event) => eventsOfB.push(event) });
      await Promise.all([a.ready(), b.ready()]);
      return { a, b, eventsOfA, eventsOfB, open };
    }

    it("a 429 with retry-after 400 ms in governor A holds B's callers of that provider until A's pausedUntil, and tells them", async () => {
      const clock = new ManualClock(START_AT);
      const { a, b, eventsOfA } = await governors(clock);
      // B is at its limit (2) with a third caller queued when A's 429 comes back.
      const held = [deferred<string>(), deferred<string>()];
      const heldRuns = held.map((call) => settled(b.run('openai', AbortSignal.timeout(20_000), () => call.promise)));
      const queuedOptions = listener();
      let queuedStartedAt: number | undefined;
      const queued = b.run(
        'openai',
        AbortSignal.timeout(20_000),
        async () => {
          queuedStartedAt = clock.now();
          return 'queued done';
        },
        queuedOptions,
      );
      await flush();
      expect(b.stats('openai')).toMatchObject({ inFlight: 2, waiting: 1 });

      const limited = await settled(a.run('openai', AbortSignal.timeout(20_000), () => Promise.reject(rateLimited(400))));
      expect(limited).toMatchObject({ code: 'PROVIDER_RATE_LIMITED' });
      const pausedUntil = pausesOf(eventsOfA)[0]!.pausedUntil;
      expect(pausedUntil).toBe(START_AT + 400);

      await waitUntil(() => queuedOptions.pauses.length > 0, "B's queued caller is told of A's pause", { timeoutMs: 10_000, intervalMs: 5 });
      expect(queuedOptions.pauses).toEqual([{ reason: 'rate-limited', waitMs: 400, error: expect.objectContaining({ code: 'PROVIDER_RATE_LIMITED' }) }]);
      expect(b.stats('openai')).toMatchObject({ pausedUntil, limit: 1 });

      // B's own calls of the same burst come back with 429s too: neither halves B's limit again.
      held[0]!.reject(rateLimited(100));
      held[1]!.reject(rateLimited(100));
      await expect(Promise.all(heldRuns)).resolves.toEqual([expect.objectContaining({ code: 'PROVIDER_RATE_LIMITED' }), expect.objectContaining({ code: 'PROVIDER_RATE_LIMITED' })]);
      expect(b.stats('openai')).toMatchObject({ limit: 1, pausedUntil });
      await advance(clock, pausedUntil - 1);
      expect(queuedStartedAt).toBeUndefined();
      await advance(clock, pausedUntil);
      await expect(queued).resolves.toBe('queued done');
      expect(queuedStartedAt).toBeGreaterThanOrEqual(pausedUntil);
      // A halved once for its 429, and neither its own notice nor B's later ones (inside A's pause) paused or halved it again.
      expect(a.stats('openai').limit).toBe(4);
      expect(pausesOf(eventsOfA)).toHaveLength(1);
      expect(eventsOfA.filter((event) => event.type === 'limit:change')).toHaveLength(1);
    });

    it("B tells a caller that arrives during A's pause, and does not delay calls to another provider", async () => {
      const clock = new ManualClock(START_AT);
      const { a, b, eventsOfB } = await governors(clock);
      await settled(a.run('openai', AbortSignal.timeout(20_000), () => Promise.reject(rateLimited(400))));
      await waitUntil(() => pausesOf(eventsOfB).length > 0, 'B hears of the pause', { timeoutMs: 10_000, intervalMs: 5 });
      expect(pausesOf(eventsOfB)).toEqual([{ type: 'provider:pause', provider: 'openai', reason: 'rate-limited', retryAfterMs: 400, pausedUntil: START_AT + 400, origin: 'governor-a' }]);

      const starts: Array<readonly [string, number]> = [];
      const lateOptions = listener();
      const late = b.run(
        'openai',
        AbortSignal.timeout(20_000),
        async () => {
          starts.push(['openai', clock.now()]);
          return 'openai done';
        },
        lateOptions,
      );
      const other = b.run('anthropic', AbortSignal.timeout(20_000), async () => {
        starts.push(['anthropic', clock.now()]);
        return 'anthropic done';
      });
      await expect(other).resolves.toBe('anthropic done');
      expect(starts).toEqual([['anthropic', START_AT]]);
      expect(lateOptions.pauses).toEqual([{ reason: 'rate-limited', waitMs: 400, error: expect.objectContaining({ code: 'PROVIDER_RATE_LIMITED' }) }]);
      await advance(clock, START_AT + 400);
      await expect(late).resolves.toBe('openai done');
      expect(starts[1]).toEqual(['openai', START_AT + 400]);
    });

    it('a governor that subscribes during a pause learns it; one that subscribes after it ended is not held', async () => {
      const clock = new ManualClock(START_AT);
      const { a, open } = await governors(clock);
      // 5 s, not 400 ms: a Redis key keeps the pause for its retry-after in real time, and this test
      // must not depend on how fast the machine gets from the 429 to the late subscriber.
      await settled(a.run('openai', AbortSignal.timeout(20_000), () => Promise.reject(rateLimited(5_000))));
      const pausedUntil = START_AT + 5_000;
      // The notice is out (a subscriber of the channel has it) before the late governor exists.
      const heard: ProviderPauseNotice[] = [];
      await open().subscribe((pause) => heard.push(pause));
      await waitUntil(() => heard.some((pause) => pause.origin === 'governor-a'), 'the pause is published', { timeoutMs: 10_000, intervalMs: 5 });

      const lateOptions = listener();
      let lateStartedAt: number | undefined;
      const lateGovernor = createProviderGovernor({ clock, origin: 'governor-late', pauseChannel: open(), logger: quietLogger });
      const late = lateGovernor.run(
        'openai',
        AbortSignal.timeout(20_000),
        async () => {
          lateStartedAt = clock.now();
          return 'late done';
        },
        lateOptions,
      );
      await lateGovernor.ready();
      await flush();
      expect(lateGovernor.stats('openai').pausedUntil).toBe(pausedUntil);
      expect(lateOptions.pauses).toEqual([{ reason: 'rate-limited', waitMs: 5_000, error: expect.objectContaining({ code: 'PROVIDER_RATE_LIMITED' }) }]);
      await advance(clock, pausedUntil - 1);
      expect(lateStartedAt).toBeUndefined();
      await advance(clock, pausedUntil);
      await expect(late).resolves.toBe('late done');
      expect(lateStartedAt).toBe(pausedUntil);

      const afterGovernor = createProviderGovernor({ clock, origin: 'governor-after', pauseChannel: open(), logger: quietLogger });
      await expect(afterGovernor.run('openai', AbortSignal.timeout(20_000), async () => clock.now())).resolves.toBe(pausedUntil);
      expect(afterGovernor.stats('openai')).not.toHaveProperty('pausedUntil');
    });
  });
}
