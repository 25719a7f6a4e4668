import {
  decideProcessLimit,
  initialProcessLimit,
  memoryCeiling,
  ProcessSlots,
  type EventPayloads,
  type HostSample,
  type PressureSettings,
} from '../core/index.js';
import { createHostSampler, type HostSampler } from './host-sampler.js';

/** A change of the process-agent limit and what was measured: a `resources:pressure` payload, less what each run adds (`held`). */
export type PressureChange = Omit<EventPayloads['resources:pressure'], 'held'>;

/** The pressure settings a monitor applies: everything but the maximum, which comes from the runs subscribed. */
export type PressureTargets = Omit<PressureSettings, 'maxLimit'>;

/** A run whose process agents start in the monitor's slots. */
export interface PressureSubscriber {
  /** The run's `maxParallelAgents`: the limit never grows past the largest of the subscribed runs'. */
  readonly maxParallelAgents: number;
  /** Told of each change of the limit while subscribed (the run journals it: `scheduler.recordPressure`). */
  readonly onChange: (change: PressureChange) => void;
}

/** Options of {@link PressureMonitor}. */
export interface PressureMonitorOptions {
  readonly settings: PressureTargets;
  /** Reads the host. @default createHostSampler() */
  readonly sampler?: HostSampler;
  /** Time between samples while a run is subscribed, in ms. @default 1000 */
  readonly sampleIntervalMs?: number;
  /** Told when a subscriber's `onChange` or the sampler throws; the monitor goes on. @default ignored */
  readonly onError?: (error: unknown) => void;
}

/** Default time between two samples of the host, in ms: the "every 1-2 s". */
export const DEFAULT_PRESSURE_SAMPLE_INTERVAL_MS = 1000;

/**
 * Moves the process-agent limit of this process with host pressure. It owns the {@link ProcessSlots}
 * every subscribed run's process agents (`cli`, `command`) start in, samples the host every
 * `sampleIntervalMs` while at least one run is subscribed (the timer never keeps the process
 * alive), applies `decideProcessLimit` and tells every subscribed run of each change. A first
 * subscriber after an idle spell starts afresh: one agent per core, capped by what memory allows.
 */
export class PressureMonitor {
  /** The slots process agents start in; their limit is the monitor's. */
  readonly slots: ProcessSlots;
  readonly settings: PressureTargets;
  readonly sampleIntervalMs: number;
  private readonly sampler: HostSampler;
  private readonly onError: (error: unknown) => void;
  private readonly subscribers = new Set<PressureSubscriber>();
  private timer: NodeJS.Timeout | undefined;
  private latest: HostSample | undefined;
  /** Memory above the floor at the last sample taken while none of the slots was held, in MB. */
  private idleSpareMb: number | undefined;

  constructor(options: PressureMonitorOptions) {
    this.settings = { ...options.settings };
    this.sampleIntervalMs = options.sampleIntervalMs ?? DEFAULT_PRESSURE_SAMPLE_INTERVAL_MS;
    this.sampler = options.sampler ?? createHostSampler();
    this.onError = options.onError ?? (() => {});
    this.slots = new ProcessSlots(1);
  }

  /** Process agents that may run at once now. */
  get limit(): number {
    return this.slots.limit;
  }

  /** The largest `maxParallelAgents` of the subscribed runs (1 when none is). */
  get maxLimit(): number {
    let largest = 1;
    for (const subscriber of this.subscribers) largest = Math.max(largest, subscriber.maxParallelAgents);
    return largest;
  }

  /** The latest reading of the host, once a run has subscribed. */
  get lastSample(): HostSample | undefined {
    return this.latest;
  }

  /** Whether the host is being sampled (some run is subscribed). */
  get isSampling(): boolean {
    return this.timer !== undefined;
  }

  /**
   * Subscribes a run for its life: its process agents start in {@link slots}, and it hears of every
   * change of the limit. Returns the unsubscribe (idempotent); the last one stops the sampling.
   */
  subscribe(subscriber: PressureSubscriber): () => void {
    const isFirst = this.subscribers.size === 0;
    this.subscribers.add(subscriber);
    if (isFirst) this.startSampling();
    let isSubscribed = true;
    return () => {
      if (!isSubscribed) return;
      isSubscribed = false;
      this.unsubscribe(subscriber);
    };
  }

  /**
   * Samples the host and applies the policy now (the timer calls this); subscribers hear of a change
   * before it returns. Undefined when the limit stays, or when no run is subscribed.
   */
  sampleNow(): PressureChange | undefined {
    if (this.subscribers.size === 0) return undefined;
    const sample = this.read();
    const running = this.slots.running;
    const previousLimit = this.slots.limit;
    const decision = decideProcessLimit({ limit: previousLimit, running, ...this.idleRoom() }, sample, this.policySettings());
    if (decision === undefined) return undefined;
    this.slots.setLimit(decision.limit);
    const { cpuPercent, loadAverage, memoryAvailableMb, memoryTotalMb } = sample;
    const change: PressureChange = { cpuPercent, loadAverage, memoryAvailableMb, memoryTotalMb, limit: decision.limit, previousLimit, reason: decision.reason, running };
    for (const subscriber of [...this.subscribers]) {
      try {
        subscriber.onChange(change);
      } catch (error) {
        this.onError(error);
      }
    }
    return change;
  }

  /** A fresh start: the CPU baseline is reset (the idle spell says nothing of the run to come) and the limit set from this reading. */
  private startSampling(): void {
    const sample = this.read();
    const settings = this.policySettings();
    this.slots.setLimit(Math.min(initialProcessLimit(sample.cpuCount, settings.maxLimit), memoryCeiling(this.slots.running, sample, settings, this.idleRoom().idleSpareMb)));
    this.timer = setInterval(() => {
      try {
        this.sampleNow();
      } catch (error) {
        this.onError(error);
      }
    }, this.sampleIntervalMs);
    this.timer.unref();
  }

  private unsubscribe(subscriber: PressureSubscriber): void {
    if (!this.subscribers.delete(subscriber)) return;
    if (this.subscribers.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    // A limit above every remaining run's concurrency holds nothing back: bring it down quietly, so growth starts from what matters.
    if (this.slots.limit > this.maxLimit) this.slots.setLimit(this.maxLimit);
  }

  /** One reading; with none of the slots held, it also says how much room the agents have. */
  private read(): HostSample {
    const sample = this.sampler.sample();
    this.latest = sample;
    if (this.slots.running === 0) this.idleSpareMb = Math.max(0, sample.memoryAvailableMb - this.settings.memoryFloorMb);
    return sample;
  }

  private idleRoom(): { idleSpareMb?: number } {
    return this.idleSpareMb === undefined ? {} : { idleSpareMb: this.idleSpareMb };
  }

  private policySettings(): PressureSettings {
    return { ...this.settings, maxLimit: this.maxLimit };
  }
}

const sharedMonitors = new Map<string, PressureMonitor>();

/**
 * The process-wide monitor for these settings: one per process and set of settings, so every run
 * of the process with the same settings shares one limit on the host's process agents (as all runs
 * share one provider governor).
 */
export function pressureMonitorFor(settings: PressureTargets, options: { readonly sampleIntervalMs?: number } = {}): PressureMonitor {
  const { cpuTargetPercent, bandPercent, memoryFloorMb, agentMemoryMb } = settings;
  const sampleIntervalMs = options.sampleIntervalMs ?? DEFAULT_PRESSURE_SAMPLE_INTERVAL_MS;
  const key = JSON.stringify([cpuTargetPercent, bandPercent, memoryFloorMb, agentMemoryMb, sampleIntervalMs]);
  let monitor = sharedMonitors.get(key);
  if (monitor === undefined) {
    monitor = new PressureMonitor({ settings: { cpuTargetPercent, bandPercent, memoryFloorMb, agentMemoryMb }, sampleIntervalMs });
    sharedMonitors.set(key, monitor);
  }
  return monitor;
}
