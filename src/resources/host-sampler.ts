import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { HostSample } from '../core/index.js';

/** Reads the host's CPU utilisation (since the previous reading), load and memory. */
export interface HostSampler {
  /** A reading; CPU utilisation covers the time since the previous call (or since the sampler was made). */
  sample(): HostSample;
}

interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

const KIB_PER_MB = 1024;
const BYTES_PER_MB = 1024 * 1024;

/**
 * Samples the host from /proc on Linux (`/proc/stat`, `/proc/meminfo`, `/proc/loadavg`: one read
 * each, no child process) and from `node:os` elsewhere. CPU utilisation is busy time over all time
 * of every core between two readings; iowait counts as idle, since a core waiting on a disk could
 * run another agent.
 */
export function createHostSampler(): HostSampler {
  const isProc = readProcCpuTimes() !== undefined;
  const readCpu = isProc ? (readProcCpuTimes as () => CpuTimes) : readOsCpuTimes;
  let previous = readCpu();
  return {
    sample(): HostSample {
      const now = readCpu();
      const totalDelta = now.total - previous.total;
      const busyDelta = now.busy - previous.busy;
      previous = now;
      const cpuPercent = totalDelta <= 0 ? 0 : Math.min(100, Math.max(0, (100 * busyDelta) / totalDelta));
      const memory = (isProc ? readProcMemory() : undefined) ?? readOsMemory();
      return {
        cpuPercent: Math.round(cpuPercent * 10) / 10,
        loadAverage: Math.round((readProcLoadAverage() ?? os.loadavg()[0] ?? 0) * 100) / 100,
        cpuCount: os.availableParallelism(),
        memoryAvailableMb: memory.availableMb,
        memoryTotalMb: memory.totalMb,
      };
    },
  };
}

/** The aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal (guest time is already in user). */
export function parseProcStatCpuLine(text: string): CpuTimes | undefined {
  const line = text.split('\n', 1)[0] ?? '';
  const fields = line.trim().split(/\s+/);
  if (fields[0] !== 'cpu' || fields.length < 5) return undefined;
  const values = fields.slice(1, 9).map(Number);
  if (values.some((value) => !Number.isFinite(value))) return undefined;
  const total = values.reduce((sum, value) => sum + value, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** `MemTotal` and `MemAvailable` of /proc/meminfo, in MB. */
export function parseMeminfo(text: string): { readonly totalMb: number; readonly availableMb: number } | undefined {
  const total = /^MemTotal:\s+(\d+) kB$/m.exec(text)?.[1];
  const available = /^MemAvailable:\s+(\d+) kB$/m.exec(text)?.[1];
  if (total === undefined || available === undefined) return undefined;
  return { totalMb: Math.round(Number(total) / KIB_PER_MB), availableMb: Math.round(Number(available) / KIB_PER_MB) };
}

function readProcCpuTimes(): CpuTimes | undefined {
  return parseProcStatCpuLine(readProcFile('/proc/stat') ?? '');
}

function readProcMemory(): { readonly totalMb: number; readonly availableMb: number } | undefined {
  return parseMeminfo(readProcFile('/proc/meminfo') ?? '');
}

function readProcLoadAverage(): number | undefined {
  const text = readProcFile('/proc/loadavg');
  const first = text === undefined ? Number.NaN : Number(text.split(' ', 1)[0]);
  return Number.isFinite(first) ? first : undefined;
}

function readOsCpuTimes(): CpuTimes {
  let busy = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

function readOsMemory(): { readonly totalMb: number; readonly availableMb: number } {
  return { totalMb: Math.round(os.totalmem() / BYTES_PER_MB), availableMb: Math.round(os.freemem() / BYTES_PER_MB) };
}

function readProcFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
