/** Options of {@link AdaptiveLimit}. */
export interface AdaptiveLimitOptions {
  /** The limit to start at (clamped to `minLimit`..`maxLimit`). */
  readonly initialLimit: number;
  /** The limit never grows past this. */
  readonly maxLimit: number;
  /** The limit never shrinks below this. @default 1 */
  readonly minLimit?: number;
  /** Consecutive successes that add one to the limit. @default the current limit (one "round" of full concurrency) */
  readonly successesToGrow?: number;
}

/**
 * A concurrency limit that adapts like TCP congestion control (AIMD): it halves on a rate-limit
 * signal, shrinks by a quarter under local pressure (CPU, memory), and grows by one after a run
 * of consecutive successes, up to its maximum. Pure: it only counts what it is told.
 */
export class AdaptiveLimit {
  private current: number;
  private readonly minLimit: number;
  private readonly maxLimit: number;
  private readonly successesToGrow: number | undefined;
  private successStreak = 0;
  private rateLimitEpoch = 0;

  constructor(options: AdaptiveLimitOptions) {
    this.minLimit = Math.max(1, Math.floor(options.minLimit ?? 1));
    this.maxLimit = Math.max(this.minLimit, Math.floor(options.maxLimit));
    this.current = clamp(Math.floor(options.initialLimit), this.minLimit, this.maxLimit);
    this.successesToGrow = options.successesToGrow === undefined ? undefined : Math.max(1, Math.floor(options.successesToGrow));
  }

  /** How many calls may run at once now. */
  get limit(): number {
    return this.current;
  }

  /**
   * Counts the rate-limit decreases so far. Record it when a call starts and pass it to
   * {@link recordRateLimit}: calls that were all in flight when the first 429 came back then
   * halve the limit once, not once each.
   */
  get epoch(): number {
    return this.rateLimitEpoch;
  }

  /** A call succeeded; after enough in a row the limit grows by one. */
  recordSuccess(): void {
    this.successStreak++;
    if (this.successStreak >= (this.successesToGrow ?? this.current)) {
      this.successStreak = 0;
      this.current = Math.min(this.maxLimit, this.current + 1);
    }
  }

  /**
   * The dependency said "too many requests": halve the limit (not below the minimum). With
   * `startedAtEpoch` (the {@link epoch} when the call started), a signal from a call started before
   * the last decrease is ignored. Returns whether the limit was decreased.
   */
  recordRateLimit(startedAtEpoch?: number): boolean {
    this.successStreak = 0;
    if (startedAtEpoch !== undefined && startedAtEpoch < this.rateLimitEpoch) return false;
    this.rateLimitEpoch++;
    this.current = Math.max(this.minLimit, Math.floor(this.current / 2));
    return true;
  }

  /** The machine is under pressure (CPU, memory): shrink by a quarter, at least by one, not below the minimum. */
  reducePressure(): void {
    this.successStreak = 0;
    this.current = Math.max(this.minLimit, Math.min(this.current - 1, Math.floor(this.current * 0.75)));
  }
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, Number.isFinite(value) ? value : min));
}
