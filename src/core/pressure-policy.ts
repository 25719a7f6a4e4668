import type { PressureReason } from './events.js';

/** One reading of the host's load, as a sampler takes it every second or two. */
export interface HostSample {
  /** CPU utilisation of all cores together since the previous sample, 0-100. */
  readonly cpuPercent: number;
  /** The 1-minute load average. */
  readonly loadAverage: number;
  readonly cpuCount: number;
  /** Memory the host can still give without swapping (MemAvailable), in MB. */
  readonly memoryAvailableMb: number;
  readonly memoryTotalMb: number;
}

/** What the process-agent limit aims for; every field filled (see `resolvePressureSettings`). */
export interface PressureSettings {
  /** CPU utilisation, in %, above which the limit shrinks. */
  readonly cpuTargetPercent: number;
  /** Width of the band under the target, in points: the limit grows only below `cpuTargetPercent - bandPercent`. */
  readonly bandPercent: number;
  /** Memory, in MB, kept available. */
  readonly memoryFloorMb: number;
  /** Memory limit of one process agent, in MB: what one more agent may take. */
  readonly agentMemoryMb: number;
  /** The limit never grows past this (the run's `maxParallelAgents`, or the largest of the runs'). */
  readonly maxLimit: number;
}

/** The limit now and the process agents running under it. */
export interface ProcessLimitState {
  readonly limit: number;
  readonly running: number;
  /**
   * Memory above the floor, in MB, at the last sample taken while no process agent ran: what the
   * agents running now may grow into together. Undefined: unknown (the running agents are then taken
   * to be at their memory limit already).
   */
  readonly idleSpareMb?: number;
}

/** A change of the limit and why. */
export interface PressureDecision {
  readonly limit: number;
  readonly reason: PressureReason;
}

/** The seed's band: CPU held between 40 and 60 %. */
export const DEFAULT_CPU_TARGET_PERCENT = 60;
export const DEFAULT_CPU_BAND_PERCENT = 20;
/** The top of the seed's 256-768 MB range: coding CLIs on Node sit at 200-400 MB resident. */
export const DEFAULT_AGENT_MEMORY_MB = 768;

/** The limit before the first sample: one process agent per core (it grows within seconds when they wait on the network). */
export function initialProcessLimit(cpuCount: number, maxLimit: number): number {
  return Math.max(1, Math.min(maxLimit, Math.floor(cpuCount)));
}

/** Memory kept available when none is configured: 10 % of the host's, at least 512 MB. */
export function defaultMemoryFloorMb(memoryTotalMb: number): number {
  return Math.max(512, Math.round(memoryTotalMb * 0.1));
}

/**
 * How many process agents memory allows, each at its memory limit, above the floor. What the running
 * agents use now is in the sample already, but they may still grow to their limit: an agent that
 * starts small (most do) would otherwise let a burst start that outgrows the host minutes later. So
 * the room is at most what was spare while none ran (`idleSpareMb`), and at most what is spare now
 * plus a full limit per running agent (others took memory meanwhile). At least one, so a run always
 * makes progress.
 */
export function memoryCeiling(running: number, sample: HostSample, settings: PressureSettings, idleSpareMb?: number): number {
  const agentMemoryMb = Math.max(1, settings.agentMemoryMb);
  const spareNowMb = sample.memoryAvailableMb - settings.memoryFloorMb + running * agentMemoryMb;
  const roomMb = idleSpareMb === undefined ? spareNowMb : Math.min(idleSpareMb, spareNowMb);
  return Math.max(1, Math.floor(roomMb / agentMemoryMb));
}

/**
 * Decides the process-agent limit from one sample, like congestion control: above the CPU target (or
 * under the memory floor) it shrinks from what is actually running, in proportion to the overshoot,
 * so no new agent starts until pressure falls; it never goes below one. Below the band it grows by a
 * quarter, but only while the limit is what holds agents back. Memory caps it at what fits above the
 * floor. Running agents are never stopped: the limit only gates starts. Undefined: keep the limit.
 */
export function decideProcessLimit(state: ProcessLimitState, sample: HostSample, settings: PressureSettings): PressureDecision | undefined {
  const { limit, running } = state;
  // Shrinking starts from what runs: a limit above the running count holds nothing back.
  const base = Math.max(1, Math.min(limit, running));
  if (sample.memoryAvailableMb < settings.memoryFloorMb) {
    return changed(limit, Math.max(1, Math.min(base - 1, Math.floor(base * 0.75))), 'memory-below-floor');
  }
  const ceiling = Math.min(settings.maxLimit, memoryCeiling(running, sample, settings, state.idleSpareMb));
  if (sample.cpuPercent > settings.cpuTargetPercent) {
    const proportional = Math.floor((base * settings.cpuTargetPercent) / sample.cpuPercent);
    return changed(limit, Math.min(ceiling, Math.max(1, Math.min(base - 1, proportional))), 'cpu-above-target');
  }
  if (limit > ceiling) return changed(limit, ceiling, 'memory-ceiling');
  const isBelowBand = sample.cpuPercent < settings.cpuTargetPercent - settings.bandPercent;
  if (isBelowBand && running >= limit) {
    return changed(limit, Math.min(ceiling, limit + Math.max(1, Math.floor(limit / 4))), 'below-band');
  }
  return undefined;
}

function changed(limit: number, next: number, reason: PressureReason): PressureDecision | undefined {
  return next === limit ? undefined : { limit: next, reason };
}
