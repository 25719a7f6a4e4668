/** The host sampler: CPU utilisation, load and available memory, from /proc on Linux and `node:os` elsewhere. */
export { createHostSampler, parseProcStatCpuLine, parseMeminfo } from './host-sampler.js';
export type { HostSampler } from './host-sampler.js';
/**
 * Host pressure drives the process-agent limit: a process-wide `PressureMonitor` per set of settings
 * owns the slots every run's `cli`/`command` agents start in, samples the host while a run is
 * subscribed and tells the runs of each change (`resources:pressure`). `resolvePressureSettings` fills
 * the settings: run config > ENSEMBLE_PRESSURE_CONTROL / ENSEMBLE_CPU_TARGET > config file > defaults.
 * `describeMemoryLimit` is the `RESOURCES_LIMITED` warning of a run that asks for more agents than fit.
 */
export { PressureMonitor, pressureMonitorFor, DEFAULT_PRESSURE_SAMPLE_INTERVAL_MS } from './pressure-monitor.js';
export type { PressureChange, PressureTargets, PressureSubscriber, PressureMonitorOptions } from './pressure-monitor.js';
export { resolvePressureSettings } from './resolve-pressure-settings.js';
export type { ResolvedPressureSettings, ResourceSettingLayers } from './resolve-pressure-settings.js';
export { describeMemoryLimit } from './describe-memory-limit.js';
/**
 * What process agents use: CPU seconds and RSS of each agent's process tree (or cgroup), read from
 * /proc; an `AgentUsageMeter` turns successive readings into CPU % and drops gone or reused pids.
 */
export { readAgentUsage, AgentUsageMeter } from './agent-usage.js';
export type { AgentProcessGroupRef, AgentUsageReading, AgentUsage } from './agent-usage.js';
/**
 * `ensemble monitor`'s figures: every agent running on this host across the journal's running runs
 * (pid, CPU %, RSS, elapsed, current tool, tokens), the host's CPU and memory, each run's process-agent
 * limit. `collectMonitorSnapshot` takes one snapshot over a sample window; a `MonitorCollector` follows
 * the journal incrementally between frames or scrapes.
 */
export { collectMonitorSnapshot, MonitorCollector } from './monitor-snapshot.js';
export type { MonitorSnapshot, MonitorHost, MonitorRun, MonitorAgent, MonitorToolCall, MonitorCollectorOptions, CollectMonitorSnapshotOptions } from './monitor-snapshot.js';
