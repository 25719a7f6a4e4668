import { EnsembleError } from '../../core/index.js';
import type { Clock, TimerHandle } from '../../core/index.js';
import { systemClock } from '../../host/index.js';
import { cadenceSettingsSchema } from './schema.js';

/** Options of {@link startCadence}. */
export interface CadenceOptions {
  /** Period of check-ins, in ms (at least 1000). @default 900000 (15 minutes) */
  readonly checkInMs?: number;
  /** Period of commits, in ms (at least 1000). @default 1800000 (30 minutes) */
  readonly commitEveryMs?: number;
  /** Called every `checkInMs`, first `checkInMs` after the start. */
  readonly onCheckIn: () => void;
  /** Called every `commitEveryMs`, first `commitEveryMs` after the start. */
  readonly onCommit: () => void;
  /** Receives what a callback threw; the cadence goes on. @default a process warning */
  readonly onError?: (error: unknown) => void;
  /** @default the system clock */
  readonly clock?: Clock;
}

/**
 * Calls `onCheckIn` and `onCommit` at their periods until the returned function is called (seed:
 * "Check-ins: every 15 minutes; commits every 30 minutes"). Each next call is planned from the
 * previous one's due time, so slow callbacks do not make the cadence drift; a throwing callback
 * does not stop it (`onError` gets what it threw).
 */
export function startCadence(options: CadenceOptions): () => void {
  const parsed = cadenceSettingsSchema.safeParse({
    ...(options.checkInMs === undefined ? {} : { checkInMs: options.checkInMs }),
    ...(options.commitEveryMs === undefined ? {} : { commitEveryMs: options.commitEveryMs }),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new EnsembleError('INVALID_INPUT', `cadence: ${issue?.path.join('.') ?? 'options'}: ${issue?.message ?? 'invalid'}`);
  }
  const clock = options.clock ?? systemClock;
  const reportError = options.onError ?? ((error: unknown) => process.emitWarning(`ensemble: cadence callback failed: ${String(error)}`));
  const startedAt = clock.now();
  let isStopped = false;
  const handles: TimerHandle[] = [];
  const every = (periodMs: number, callback: () => void, slot: number): void => {
    let count = 0;
    const plan = (): void => {
      count++;
      const delayMs = Math.max(0, startedAt + count * periodMs - clock.now());
      handles[slot] = clock.setTimer(delayMs, () => {
        if (isStopped) return;
        plan();
        try {
          callback();
        } catch (error) {
          // The cadence is the run's heartbeat: one failed check-in must not end it.
          reportError(error);
        }
      });
    };
    plan();
  };
  every(parsed.data.checkInMs, options.onCheckIn, 0);
  every(parsed.data.commitEveryMs, options.onCommit, 1);
  return () => {
    isStopped = true;
    for (const handle of handles) handle.cancel();
  };
}
