import { Counter, Gauge, type Registry } from 'prom-client';
import { MonitorCollector, type MonitorSnapshot } from '../../resources/index.js';
import type { RunStore } from '../../store/index.js';
import { LabelValueCap } from './label-value-cap.js';

/** Options of {@link registerAgentResourceGauges}. */
export interface AgentResourceGaugesOptions {
  readonly registry: Registry;
  /** The journal whose running runs' agents on this host are read at each scrape. */
  readonly store: RunStore;
  /** Distinct values kept per label (run, task, agent) in one scrape; later ones are exported as `other`. */
  readonly maxLabelValues: number;
  /** How long one scrape may spend catching up on journal events, in ms. @default 1000 */
  readonly readBudgetMs?: number;
  /** Reports a reading that failed; its metrics then have no series (NaN for unlabelled ones) in that scrape. */
  readonly fail: (source: 'journal', error: unknown) => void;
}

/** Well under Prometheus' default scrape_timeout (10 s); a run still behind catches up at the next scrape. */
const DEFAULT_READ_BUDGET_MS = 1_000;
const BYTES_PER_MB = 1024 * 1024;
const AGENT_LABELS = ['run', 'task', 'agent'] as const;

/**
 * Registers the resource figures of `ensemble monitor` on `/metrics`, read at scrape time: each
 * agent running on this host across the journal's running runs (`ensemble_agent_cpu_seconds_total`,
 * `ensemble_agent_rss_bytes`), the host's CPU utilisation (since the previous scrape) and memory, and
 * each running run's process-agent limit. One reading per scrape serves every metric: prom-client
 * collects metrics in registration order, so the first one reads and the rest reuse it. The journal
 * is followed incrementally (only running runs, only new events), within `readBudgetMs` per scrape.
 */
export function registerAgentResourceGauges(options: AgentResourceGaugesOptions): void {
  const registers = [options.registry];
  // Made now, so the first scrape's host CPU covers the time since the server started.
  const collector = new MonitorCollector(options.store, { readBudgetMs: options.readBudgetMs ?? DEFAULT_READ_BUDGET_MS });
  let current: MonitorSnapshot | undefined;
  /** Reads the figures for this scrape: called by the first metric collected, read by the rest. */
  const read = (): void => {
    try {
      current = collector.collect();
    } catch (error) {
      current = undefined;
      options.fail('journal', error);
    }
  };
  // Label values are capped per scrape: run ids never repeat, so a cap kept for the server's life would fill up and send every later run to `other`.
  const agentSeries = (snapshot: MonitorSnapshot, pick: (agent: MonitorSnapshot['agents'][number]) => number | null): Map<string, { labels: Record<(typeof AGENT_LABELS)[number], string>; value: number }> => {
    const labels = new LabelValueCap(options.maxLabelValues);
    const series = new Map<string, { labels: Record<(typeof AGENT_LABELS)[number], string>; value: number }>();
    for (const agent of snapshot.agents) {
      const value = pick(agent);
      if (value === null) continue;
      const labelSet = { run: labels.valueOf('run', agent.runId), task: labels.valueOf('task', agent.taskId), agent: labels.valueOf('agent', agent.agentName) };
      // Agents folded into `other` add up rather than overwrite one another.
      const key = JSON.stringify(labelSet);
      const existing = series.get(key);
      series.set(key, { labels: labelSet, value: (existing?.value ?? 0) + value });
    }
    return series;
  };

  new Counter({
    name: 'ensemble_agent_cpu_seconds_total',
    help: "CPU seconds (user + system) used so far by the process tree of each agent running on this host, across the journal's running runs.",
    labelNames: AGENT_LABELS,
    registers,
    collect() {
      read();
      this.reset();
      if (current === undefined) return;
      for (const { labels, value } of agentSeries(current, (agent) => agent.cpuSeconds).values()) this.inc(labels, value);
    },
  });
  new Gauge({
    name: 'ensemble_agent_rss_bytes',
    help: "Resident memory of the processes of each agent running on this host, across the journal's running runs.",
    labelNames: AGENT_LABELS,
    registers,
    collect() {
      this.reset();
      if (current === undefined) return;
      for (const { labels, value } of agentSeries(current, (agent) => agent.rssBytes).values()) this.set(labels, value);
    },
  });
  const hostGauge = (name: string, help: string, pick: (host: MonitorSnapshot['host']) => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        // An unlabelled gauge cannot be left without a sample: NaN says "unknown", where 0 would pass for a figure.
        this.set(current === undefined ? Number.NaN : pick(current.host));
      },
    });
  };
  hostGauge('ensemble_host_cpu_utilisation', 'CPU utilisation of the host, all cores together, since the previous scrape (0-1).', (host) => host.cpuPercent / 100);
  hostGauge('ensemble_host_memory_available_bytes', 'Memory the host can still give without swapping (MemAvailable).', (host) => host.memoryAvailableMb * BYTES_PER_MB);
  hostGauge('ensemble_host_memory_total_bytes', 'Memory of the host.', (host) => host.memoryTotalMb * BYTES_PER_MB);
  new Gauge({
    name: 'ensemble_process_agent_limit',
    help: "Process agents (cli, command) each running run of the journal may run at once now: its latest host-pressure limit, else its maxParallelAgents.",
    labelNames: ['run'],
    registers,
    collect() {
      this.reset();
      if (current === undefined) return;
      const labels = new LabelValueCap(options.maxLabelValues);
      const limits = new Map<string, number>();
      // Runs folded into `other` show the largest of their limits.
      for (const run of current.runs) {
        const label = labels.valueOf('run', run.runId);
        limits.set(label, Math.max(limits.get(label) ?? 0, run.processAgentLimit));
      }
      for (const [run, limit] of limits) this.set({ run }, limit);
    },
  });
}
