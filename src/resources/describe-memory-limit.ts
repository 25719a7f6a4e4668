import { memoryCeiling, type HostSample, type PressureSettings } from '../core/index.js';

/**
 * The `RESOURCES_LIMITED` warning of a run that asks for more process agents at once than the host's
 * memory allows, each at its memory limit, above the floor (`memoryCeiling` with none running);
 * undefined when they fit. The run could run as many at once as its concurrency, or as its process
 * tasks when they are fewer.
 */
export function describeMemoryLimit(run: { readonly maxParallelAgents: number; readonly processTasks: number }, sample: HostSample, settings: Omit<PressureSettings, 'maxLimit'>): string | undefined {
  const processAgents = Math.min(run.maxParallelAgents, run.processTasks);
  const fitting = memoryCeiling(0, sample, { ...settings, maxLimit: processAgents });
  if (processAgents <= fitting) return undefined;
  const spareMb = sample.memoryAvailableMb - settings.memoryFloorMb;
  const room =
    spareMb > 0
      ? `${formatMb(spareMb)} is available above the ${formatMb(settings.memoryFloorMb)} floor`
      : `${formatMb(sample.memoryAvailableMb)} is available, under the ${formatMb(settings.memoryFloorMb)} floor`;
  const outcome = fitting === 1 ? 'so they run one at a time' : `so at most ${fitting} run at once`;
  return `concurrency ${run.maxParallelAgents} asks for up to ${processAgents} process agents of ${formatMb(settings.agentMemoryMb)} each; ${room}, ${outcome}`;
}

/** `768 MB`, `5.1 GB` (binary units, as /proc/meminfo's). */
function formatMb(mb: number): string {
  return mb < 1024 ? `${Math.round(mb)} MB` : `${(mb / 1024).toFixed(1)} GB`;
}
