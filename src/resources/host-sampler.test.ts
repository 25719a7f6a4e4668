import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { createHostSampler, parseMeminfo, parseProcStatCpuLine } from './host-sampler.js';

// Captured from a 2-core Linux host (kernel 6.x): the aggregate line, then the per-core ones.
const PROC_STAT = `cpu  4705 356 584 3699 23 23 0 0 0 0
cpu0 1393 280 277 1805 17 8 0 0 0 0
cpu1 3312 76 307 1894 6 15 0 0 0 0
intr 114930548 113199788 3 0 5 263 0 4 [... lots more numbers ...]
ctxt 1990473
`;

const MEMINFO = `MemTotal:       24684136 kB
MemFree:        23619584 kB
MemAvailable:   23876508 kB
Buffers:           47260 kB
Cached:           547468 kB
SwapCached:            0 kB
`;

describe('parseProcStatCpuLine', () => {
  it('reads busy and total jiffies of the aggregate line, iowait counted as idle', () => {
    // user nice system idle iowait irq softirq steal = 4705 356 584 3699 23 23 0 0.
    expect(parseProcStatCpuLine(PROC_STAT)).toEqual({ busy: 4705 + 356 + 584 + 23, total: 4705 + 356 + 584 + 3699 + 23 + 23 });
  });

  it('ignores guest columns (already counted in user) and accepts old kernels with only four columns', () => {
    expect(parseProcStatCpuLine('cpu  10 0 5 85 0 0 0 0 7 7\n')).toEqual({ busy: 15, total: 100 });
    expect(parseProcStatCpuLine('cpu 10 0 5 85\n')).toEqual({ busy: 15, total: 100 });
  });

  it('refuses text that is not an aggregate cpu line', () => {
    expect(parseProcStatCpuLine('')).toBeUndefined();
    expect(parseProcStatCpuLine('cpu0 1 2 3 4 5\n')).toBeUndefined();
    expect(parseProcStatCpuLine('cpu 1 2 x 4 5\n')).toBeUndefined();
    expect(parseProcStatCpuLine('cpu 1 2\n')).toBeUndefined();
  });
});

describe('parseMeminfo', () => {
  it('reads MemTotal and MemAvailable in MB', () => {
    expect(parseMeminfo(MEMINFO)).toEqual({ totalMb: Math.round(24_684_136 / 1024), availableMb: Math.round(23_876_508 / 1024) });
  });

  it('refuses meminfo without MemAvailable (kernels before 3.14)', () => {
    expect(parseMeminfo('MemTotal:       24684136 kB\nMemFree:        23619584 kB\n')).toBeUndefined();
  });
});

describe('createHostSampler', () => {
  it('takes a real sample whose figures are in range', () => {
    const sampler = createHostSampler();
    // Some work between the readings, so the CPU figure covers a real interval.
    let sum = 0;
    for (let index = 0; index < 2_000_000; index++) sum += index % 7;
    expect(sum).toBeGreaterThan(0);
    const sample = sampler.sample();
    expect(sample.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(sample.cpuPercent).toBeLessThanOrEqual(100);
    expect(sample.loadAverage).toBeGreaterThanOrEqual(0);
    expect(sample.cpuCount).toBe(os.availableParallelism());
    expect(sample.memoryTotalMb).toBeGreaterThan(0);
    expect(sample.memoryAvailableMb).toBeGreaterThan(0);
    expect(sample.memoryAvailableMb).toBeLessThanOrEqual(sample.memoryTotalMb);
    // Within 1 % (and a MB of rounding) of what node:os reports for the whole host.
    expect(Math.abs(sample.memoryTotalMb - os.totalmem() / 2 ** 20)).toBeLessThanOrEqual(Math.max(2, os.totalmem() / 2 ** 20 / 100));
  });

  it('sees a core kept busy: utilisation over a busy interval is above zero', () => {
    const sampler = createHostSampler();
    const until = Date.now() + 300;
    let spins = 0;
    while (Date.now() < until) spins++;
    expect(spins).toBeGreaterThan(0);
    // One of the host's cores was busy the whole time: at least a share of it shows (jiffies are 10 ms).
    expect(sampler.sample().cpuPercent).toBeGreaterThan(100 / os.availableParallelism() / 4);
  });
});
