import { describe, expect, it } from 'vitest';
import {
  decideProcessLimit,
  defaultMemoryFloorMb,
  DEFAULT_AGENT_MEMORY_MB,
  DEFAULT_CPU_BAND_PERCENT,
  DEFAULT_CPU_TARGET_PERCENT,
  initialProcessLimit,
  memoryCeiling,
  type HostSample,
  type PressureSettings,
} from './pressure-policy.js';

const settings: PressureSettings = {
  cpuTargetPercent: DEFAULT_CPU_TARGET_PERCENT,
  bandPercent: DEFAULT_CPU_BAND_PERCENT,
  memoryFloorMb: 1024,
  agentMemoryMb: DEFAULT_AGENT_MEMORY_MB,
  maxLimit: 16,
};

/** A host with plenty of memory (64 GB available) at the given CPU utilisation. */
const host = (cpuPercent: number, memoryAvailableMb = 65_536): HostSample => ({ cpuPercent, loadAverage: 1, cpuCount: 8, memoryAvailableMb, memoryTotalMb: 131_072 });

describe('initialProcessLimit', () => {
  it('starts at one process agent per core, within 1 and the largest concurrency', () => {
    expect(initialProcessLimit(8, 16)).toBe(8);
    expect(initialProcessLimit(8, 3)).toBe(3);
    expect(initialProcessLimit(0, 16)).toBe(1);
    expect(initialProcessLimit(2.7, 16)).toBe(2);
  });
});

describe('defaultMemoryFloorMb', () => {
  it('keeps 10 % of the host memory available, at least 512 MB', () => {
    expect(defaultMemoryFloorMb(24_000)).toBe(2400);
    expect(defaultMemoryFloorMb(2048)).toBe(512);
  });
});

describe('memoryCeiling', () => {
  it('fits as many agents, each at its memory limit, as the memory above the floor holds', () => {
    // 1024 floor + 5 × 768 = 4864: five fit in 5000, not six.
    expect(memoryCeiling(0, host(0, 5000), settings)).toBe(5);
    expect(memoryCeiling(0, host(0, 1024 + 6 * 768), settings)).toBe(6);
  });

  it('is at least one, so a run on a starved host still makes progress', () => {
    expect(memoryCeiling(0, host(0, 900), settings)).toBe(1);
    expect(memoryCeiling(3, host(0, 100), settings)).toBe(1);
  });

  it('counts running agents at their full limit: without an idle reading, what they took is taken to be all they take', () => {
    // Three running, 1024 + 2 × 768 spare now: room for those three and two more.
    expect(memoryCeiling(3, host(0, 1024 + 2 * 768), settings)).toBe(5);
  });

  it('never allows more than fitted while none ran, however little the running agents use yet', () => {
    // Agents that start small leave the sample almost as it was: still only the idle room's worth.
    const idleSpareMb = 2 * 768 + 100;
    expect(memoryCeiling(1, host(0, 1024 + idleSpareMb - 30), settings, idleSpareMb)).toBe(2);
    expect(memoryCeiling(2, host(0, 1024 + idleSpareMb - 60), settings, idleSpareMb)).toBe(2);
  });

  it('shrinks below the idle room when something else took the memory meanwhile', () => {
    const idleSpareMb = 10 * 768;
    // Two agents run; available dropped to 1 agent's worth above the floor: 2 + 1 fit.
    expect(memoryCeiling(2, host(0, 1024 + 768), settings, idleSpareMb)).toBe(3);
  });
});

describe('decideProcessLimit', () => {
  it('shrinks in proportion to the CPU overshoot, from what actually runs', () => {
    // 8 running at 96 %: 8 × 60 / 96 = 5.
    expect(decideProcessLimit({ limit: 8, running: 8 }, host(96), settings)).toEqual({ limit: 5, reason: 'cpu-above-target' });
    // A limit of 16 with only 4 running holds nothing back: shrink from 4.
    expect(decideProcessLimit({ limit: 16, running: 4 }, host(90), settings)).toEqual({ limit: 2, reason: 'cpu-above-target' });
  });

  it('shrinks by at least one above the target, and never below one', () => {
    // 4 × 60 / 61 = 3.9: still one fewer.
    expect(decideProcessLimit({ limit: 4, running: 4 }, host(61), settings)).toEqual({ limit: 3, reason: 'cpu-above-target' });
    expect(decideProcessLimit({ limit: 2, running: 2 }, host(100), settings)).toEqual({ limit: 1, reason: 'cpu-above-target' });
    expect(decideProcessLimit({ limit: 1, running: 1 }, host(100), settings)).toBeUndefined();
    // The host is loaded by something else while none of ours run: one at a time.
    expect(decideProcessLimit({ limit: 8, running: 0 }, host(100), settings)).toEqual({ limit: 1, reason: 'cpu-above-target' });
  });

  it('keeps the limit inside the band', () => {
    for (const cpuPercent of [40, 50, 60]) expect(decideProcessLimit({ limit: 6, running: 6 }, host(cpuPercent), settings)).toBeUndefined();
  });

  it('grows by a quarter (at least one) below the band, only while the limit is what holds agents back', () => {
    expect(decideProcessLimit({ limit: 8, running: 8 }, host(10), settings)).toEqual({ limit: 10, reason: 'below-band' });
    expect(decideProcessLimit({ limit: 2, running: 2 }, host(10), settings)).toEqual({ limit: 3, reason: 'below-band' });
    // Fewer run than the limit allows: growing it would change nothing now and overshoot later.
    expect(decideProcessLimit({ limit: 8, running: 3 }, host(10), settings)).toBeUndefined();
  });

  it('never grows past the largest concurrency of the runs', () => {
    expect(decideProcessLimit({ limit: 15, running: 15 }, host(10), settings)).toEqual({ limit: 16, reason: 'below-band' });
    expect(decideProcessLimit({ limit: 16, running: 16 }, host(10), settings)).toBeUndefined();
  });

  it('shrinks by a quarter when available memory falls under the floor, whatever the CPU', () => {
    expect(decideProcessLimit({ limit: 8, running: 8 }, host(5, 900), settings)).toEqual({ limit: 6, reason: 'memory-below-floor' });
    expect(decideProcessLimit({ limit: 2, running: 2 }, host(5, 900), settings)).toEqual({ limit: 1, reason: 'memory-below-floor' });
    expect(decideProcessLimit({ limit: 1, running: 1 }, host(5, 900), settings)).toBeUndefined();
  });

  it('holds the limit at what memory allows, and grows only up to it', () => {
    // Nothing runs, 3 agents' worth above the floor: a limit of 8 comes down to 3.
    expect(decideProcessLimit({ limit: 8, running: 0 }, host(10, 1024 + 3 * 768), settings)).toEqual({ limit: 3, reason: 'memory-ceiling' });
    // Below the band, but one running agent already uses the only room there was while none ran.
    expect(decideProcessLimit({ limit: 1, running: 1, idleSpareMb: 1000 }, host(10, 1024 + 990), settings)).toBeUndefined();
    expect(decideProcessLimit({ limit: 2, running: 2, idleSpareMb: 3 * 768 }, host(10, 1024 + 3 * 768 - 50), settings)).toEqual({ limit: 3, reason: 'below-band' });
  });

  it('applies the memory ceiling to a CPU decrease too', () => {
    expect(decideProcessLimit({ limit: 8, running: 8, idleSpareMb: 2 * 768 }, host(70, 1024 + 2 * 768), settings)).toEqual({ limit: 2, reason: 'cpu-above-target' });
  });

  it('stays within 1 and the maximum over any sequence of samples (randomised)', () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let round = 0; round < 200; round++) {
      const maxLimit = 1 + Math.floor(random() * 20);
      let limit = initialProcessLimit(1 + Math.floor(random() * 16), maxLimit);
      for (let step = 0; step < 50; step++) {
        const running = Math.floor(random() * (limit + 1));
        const sample = host(random() * 100, Math.floor(random() * 20_000));
        const decision = decideProcessLimit({ limit, running }, sample, { ...settings, maxLimit });
        if (decision === undefined) continue;
        expect(decision.limit).toBeGreaterThanOrEqual(1);
        expect(decision.limit).toBeLessThanOrEqual(Math.max(limit, maxLimit));
        expect(decision.limit).not.toBe(limit);
        if (decision.reason === 'below-band') expect(decision.limit).toBeGreaterThan(limit);
        else expect(decision.limit).toBeLessThan(limit);
        limit = decision.limit;
      }
    }
  });
});
