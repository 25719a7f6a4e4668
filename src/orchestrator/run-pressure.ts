import { totalmem } from 'node:os';
import type { RunConfig, TaskGraph, SchedulerPrior } from '../core/index.js';
import type { AgentRegistry, InProcessAgent } from '../agents/index.js';
import type { EnsembleConfig } from '../config/index.js';
import { describeMemoryLimit, pressureMonitorFor, resolvePressureSettings, type PressureMonitor, type ResolvedPressureSettings } from '../resources/index.js';
import { runsAsHostProcess } from './create-run-scheduler.js';

/**
 * A run's pressure settings: its config's `resources`, then ENSEMBLE_PRESSURE_CONTROL and
 * ENSEMBLE_CPU_TARGET, then the config file's `resources:`, then the defaults. Throws INVALID_INPUT
 * naming a bad variable.
 */
export function resolveRunPressure(config: RunConfig, file: Pick<EnsembleConfig, 'resources'>, env: NodeJS.ProcessEnv): ResolvedPressureSettings {
  return resolvePressureSettings({ run: config.resources, file: file.resources }, env, { memoryTotalMb: Math.round(totalmem() / 2 ** 20) });
}

/**
 * The process-wide monitor whose slots a run's process agents start in, when pressure control is
 * on. None for a distributed run: its file agents run on the workers, which start every job they
 * take (up to their own `--concurrency`) without a host-pressure limit.
 */
export function runPressureMonitor(settings: ResolvedPressureSettings, options: { readonly isDistributed: boolean; readonly sampleIntervalMs: number | undefined }): PressureMonitor | undefined {
  if (!settings.isEnabled || options.isDistributed) return undefined;
  return pressureMonitorFor(settings, options.sampleIntervalMs === undefined ? {} : { sampleIntervalMs: options.sampleIntervalMs });
}

/**
 * The RESOURCES_LIMITED warning of a run that asks for more process agents at once than the host's
 * memory holds (from the monitor's latest sample); undefined when they fit. A resume counts only the
 * tasks that did not finish.
 */
export function runMemoryWarning(
  monitor: PressureMonitor,
  run: { readonly graph: TaskGraph; readonly config: RunConfig; readonly prior?: SchedulerPrior | undefined },
  agents: { readonly registry: AgentRegistry; readonly inProcess: ReadonlyMap<string, InProcessAgent> },
): string | undefined {
  const sample = monitor.lastSample;
  if (sample === undefined) return undefined;
  const processTasks = run.graph.tasks.filter((task) => !(run.prior?.completed.has(task.id) ?? false) && runsAsHostProcess(task, agents.registry, agents.inProcess)).length;
  return describeMemoryLimit({ maxParallelAgents: run.config.maxParallelAgents, processTasks }, sample, monitor.settings);
}
