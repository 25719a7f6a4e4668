import { describe, expect, it } from 'vitest';
import type { HostSample } from '../core/index.js';
import { waitUntil } from '../../test/helpers/wait-until.js';
import { describeMemoryLimit } from './describe-memory-limit.js';
import type { HostSampler } from './host-sampler.js';
import { PressureMonitor, pressureMonitorFor, type PressureChange, type PressureTargets } from './pressure-monitor.js';

const TARGETS: PressureTargets = { cpuTargetPercent: 60, bandPercent: 20, memoryFloorMb: 1024, agentMemoryMb: 768 };
/** An hour: the timer never fires in tests that sample by hand. */
const NEVER_MS = 3_600_000;

/** A sampler that returns the readings it is given, in order, the last one repeating; counts its readings. */
class ScriptedSampler implements HostSampler {
  readings = 0;
  private readonly queue: HostSample[];
  constructor(...samples: Partial<HostSample>[]) {
    this.queue = samples.map((sample) => ({ cpuPercent: 30, loadAverage: 1, cpuCount: 4, memoryAvailableMb: 64_000, memoryTotalMb: 128_000, ...sample }));
  }
  push(...samples: Partial<HostSample>[]): void {
    const last = this.queue.at(-1);
    for (const sample of samples) this.queue.push({ ...(last as HostSample), ...sample });
  }
  sample(): HostSample {
    this.readings++;
    const next = this.queue.length > 1 ? this.queue.shift() : this.queue[0];
    return next as HostSample;
  }
}

function listen(changes: PressureChange[], maxParallelAgents: number) {
  return { maxParallelAgents, onChange: (change: PressureChange) => changes.push(change) };
}

describe('PressureMonitor', () => {
  it('starts at one agent per core (within the largest concurrency) and samples only while a run is subscribed', () => {
    const sampler = new ScriptedSampler({ cpuCount: 4 });
    const monitor = new PressureMonitor({ settings: TARGETS, sampler, sampleIntervalMs: NEVER_MS });
    expect(monitor.isSampling).toBe(false);
    expect(monitor.sampleNow()).toBeUndefined();
    expect(sampler.readings).toBe(0);
    const stop = monitor.subscribe(listen([], 16));
    expect(monitor.isSampling).toBe(true);
    expect(monitor.limit).toBe(4);
    stop();
    stop();
    expect(monitor.isSampling).toBe(false);
    const stopSmall = monitor.subscribe(listen([], 2));
    expect(monitor.limit).toBe(2);
    stopSmall();
  });

  it('caps the first limit at what memory allows above the floor, whatever the cores', () => {
    const sampler = new ScriptedSampler({ cpuCount: 16, memoryAvailableMb: 1024 + 2 * 768 + 100 });
    const monitor = new PressureMonitor({ settings: TARGETS, sampler, sampleIntervalMs: NEVER_MS });
    const stop = monitor.subscribe(listen([], 16));
    expect(monitor.limit).toBe(2);
    stop();
  });

  it('shrinks the limit when the host is loaded, grows it back below the band, and tells every subscribed run with what it measured', () => {
    const sampler = new ScriptedSampler({ cpuCount: 4 }, { cpuPercent: 97, loadAverage: 6.5 }, { cpuPercent: 50 }, { cpuPercent: 10 });
    const monitor = new PressureMonitor({ settings: TARGETS, sampler, sampleIntervalMs: NEVER_MS });
    const first: PressureChange[] = [];
    const second: PressureChange[] = [];
    const stopFirst = monitor.subscribe(listen(first, 8));
    const stopSecond = monitor.subscribe(listen(second, 3));
    expect(monitor.limit).toBe(4);
    for (let index = 0; index < 4; index++) expect(monitor.slots.tryAcquire()).toBe(true);
    // 4 × 60 / 97 = 2.5.
    expect(monitor.sampleNow()).toEqual({ cpuPercent: 97, loadAverage: 6.5, memoryAvailableMb: 64_000, memoryTotalMb: 128_000, limit: 2, previousLimit: 4, reason: 'cpu-above-target', running: 4 });
    expect(monitor.slots.tryAcquire()).toBe(false);
    // In the band: no change, nobody is told.
    expect(monitor.sampleNow()).toBeUndefined();
    // Two finish; below the band with as many running as the limit: it grows by one.
    monitor.slots.release();
    monitor.slots.release();
    expect(monitor.sampleNow()).toMatchObject({ limit: 3, previousLimit: 2, reason: 'below-band', running: 2 });
    expect(first.map((change) => change.limit)).toEqual([2, 3]);
    expect(second).toEqual(first);
    stopFirst();
    stopSecond();
  });

  it('never grows past the largest concurrency of the runs subscribed, and comes down quietly when that run leaves', () => {
    const sampler = new ScriptedSampler({ cpuCount: 2, cpuPercent: 5 });
    const monitor = new PressureMonitor({ settings: TARGETS, sampler, sampleIntervalMs: NEVER_MS });
    const changes: PressureChange[] = [];
    const stopWide = monitor.subscribe(listen(changes, 6));
    const stopNarrow = monitor.subscribe(listen(changes, 3));
    for (let round = 0; round < 10; round++) {
      while (monitor.slots.tryAcquire());
      monitor.sampleNow();
    }
    expect(monitor.limit).toBe(6);
    for (let index = 0; index < 6; index++) monitor.slots.release();
    stopWide();
    expect(monitor.limit).toBe(3);
    stopNarrow();
  });

  it('holds the limit at what fitted in memory while none ran, however little the running agents take yet', () => {
    // Room for 2 agents while idle; the agents then start small (the sample barely moves) and the CPU is low.
    const idle = 1024 + 2 * 768 + 200;
    const sampler = new ScriptedSampler({ cpuCount: 8, memoryAvailableMb: idle, cpuPercent: 5 }, { memoryAvailableMb: idle - 40, cpuPercent: 5 });
    const monitor = new PressureMonitor({ settings: TARGETS, sampler, sampleIntervalMs: NEVER_MS });
    const changes: PressureChange[] = [];
    const stop = monitor.subscribe(listen(changes, 8));
    expect(monitor.limit).toBe(2);
    monitor.slots.tryAcquire();
    monitor.slots.tryAcquire();
    for (let round = 0; round < 5; round++) monitor.sampleNow();
    expect(monitor.limit).toBe(2);
    expect(changes).toEqual([]);
    monitor.slots.release();
    monitor.slots.release();
    stop();
  });

  it('keeps telling the other runs when one listener throws', () => {
    const sampler = new ScriptedSampler({ cpuCount: 4 }, { cpuPercent: 100 });
    const errors: unknown[] = [];
    const monitor = new PressureMonitor({ settings: TARGETS, sampler, sampleIntervalMs: NEVER_MS, onError: (error) => errors.push(error) });
    const heard: PressureChange[] = [];
    const stopBad = monitor.subscribe({ maxParallelAgents: 4, onChange: () => { throw new Error('listener broke'); } });
    const stopGood = monitor.subscribe(listen(heard, 4));
    while (monitor.slots.tryAcquire());
    monitor.sampleNow();
    expect(heard).toHaveLength(1);
    expect(errors).toHaveLength(1);
    stopBad();
    stopGood();
  });

  it('samples on its own timer while subscribed, and stops when the last run leaves', async () => {
    const sampler = new ScriptedSampler({ cpuCount: 2, cpuPercent: 100 });
    const monitor = new PressureMonitor({ settings: TARGETS, sampler, sampleIntervalMs: 20 });
    const changes: PressureChange[] = [];
    const stop = monitor.subscribe(listen(changes, 4));
    monitor.slots.tryAcquire();
    monitor.slots.tryAcquire();
    await waitUntil(() => changes.length > 0, 'a decision of the monitor timer', { timeoutMs: 10_000 });
    expect(changes[0]).toMatchObject({ reason: 'cpu-above-target', limit: 1, previousLimit: 2 });
    stop();
    const readings = sampler.readings;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(sampler.readings).toBe(readings);
  });

  it('is one per process and set of settings', () => {
    expect(pressureMonitorFor(TARGETS)).toBe(pressureMonitorFor({ ...TARGETS }));
    expect(pressureMonitorFor(TARGETS)).not.toBe(pressureMonitorFor({ ...TARGETS, cpuTargetPercent: 50 }));
    expect(pressureMonitorFor(TARGETS, { sampleIntervalMs: 250 })).not.toBe(pressureMonitorFor(TARGETS));
    expect(pressureMonitorFor(TARGETS, { sampleIntervalMs: 250 }).sampleIntervalMs).toBe(250);
  });
});

describe('describeMemoryLimit', () => {
  const host = (memoryAvailableMb: number): HostSample => ({ cpuPercent: 0, loadAverage: 0, cpuCount: 2, memoryAvailableMb, memoryTotalMb: 24_000 });

  it('says how many process agents fit when the run asks for more', () => {
    // 5.1 GB above a 1 GB floor: 6 agents of 768 MB.
    expect(describeMemoryLimit({ maxParallelAgents: 16, processTasks: 40 }, host(1024 + 5222), TARGETS)).toBe(
      'concurrency 16 asks for up to 16 process agents of 768 MB each; 5.1 GB is available above the 1.0 GB floor, so at most 6 run at once',
    );
  });

  it('says nothing when they fit, or when the run has fewer process tasks than fit', () => {
    expect(describeMemoryLimit({ maxParallelAgents: 6, processTasks: 40 }, host(1024 + 5222), TARGETS)).toBeUndefined();
    expect(describeMemoryLimit({ maxParallelAgents: 16, processTasks: 3 }, host(1024 + 5222), TARGETS)).toBeUndefined();
    expect(describeMemoryLimit({ maxParallelAgents: 16, processTasks: 0 }, host(100), TARGETS)).toBeUndefined();
  });

  it('says they run one at a time when memory is under the floor', () => {
    expect(describeMemoryLimit({ maxParallelAgents: 4, processTasks: 4 }, host(800), TARGETS)).toBe(
      'concurrency 4 asks for up to 4 process agents of 768 MB each; 800 MB is available, under the 1.0 GB floor, so they run one at a time',
    );
  });
});
