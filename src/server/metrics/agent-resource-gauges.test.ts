import { execFileSync, spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../core/index.js';
import { openRunStore, type RunStore } from '../../store/index.js';
import { openTempStore, type TempStore } from '../../../test/helpers/temp-folder.js';
import { MonitorTestProcesses, monitorProcessStarted, seedMonitorRun } from '../../../test/helpers/monitor-journal.js';
import { createServerMetrics } from './index.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HOST = hostname();

interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of one series name in a text exposition, with their labels. */
function samplesOf(text: string, name: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[label[1]!] = label[2]!;
    samples.push({ labels, value: Number(match[3]) });
  }
  return samples;
}

const valueOf = (text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined =>
  samplesOf(text, name).find((sample) => JSON.stringify(sample.labels) === JSON.stringify(labels))?.value;

describe('/metrics: agent and host resources, read at scrape time from the journal and /proc', () => {
  let temp: TempStore<RunStore>;
  const processes = new MonitorTestProcesses();
  let promtool = '';
  beforeAll(() => {
    // The project's script finds promtool or unpacks Debian's package (never installs it).
    promtool = execFileSync('bash', [`${REPO_ROOT}scripts/ensure-promtool.sh`], { encoding: 'utf8', timeout: 300_000 }).trim();
  }, 320_000);
  beforeEach(() => {
    temp = openTempStore('ensemble-metrics-resources-', openRunStore);
  });
  afterEach(() => {
    processes.killAll();
    temp.remove();
  });

  function metricsOver(store: RunStore, maxLabelValues?: number) {
    const logged: string[] = [];
    const logger: Logger = { warn: (message) => logged.push(message), error: (message) => logged.push(message) };
    return { metrics: createServerMetrics({ store, liveRuns: () => [], logger, processMetrics: false, ...(maxLabelValues === undefined ? {} : { maxLabelValues }) }), logged };
  }

  it('exports each running agent\'s CPU seconds (rising between scrapes) and RSS, the host\'s CPU and memory and each run\'s limit, and passes promtool', async () => {
    const { store } = temp;
    const now = Date.now();
    const owner = processes.start('sleep');
    const burner = processes.start('burn');
    const run = seedMonitorRun(store, 'run-metrics', { owner: { pid: owner.pid, host: HOST, startTicks: owner.startTicks }, taskIds: ['burn', 'idle'], maxParallelAgents: 4, at: now });
    run.append('task:start', { taskId: 'burn', agentName: 'worker', description: '', attempt: 1 });
    run.append('agent:process', monitorProcessStarted('burn', burner));
    run.append('resources:pressure', { cpuPercent: 95, loadAverage: 2, memoryAvailableMb: 900, memoryTotalMb: 2000, limit: 1, previousLimit: 4, reason: 'cpu-above-target', running: 1, held: 1 });
    const other = seedMonitorRun(store, 'run-untouched', { owner: { pid: 1, host: 'another-host.invalid' }, taskIds: ['x'], maxParallelAgents: 3, at: now });
    void other;
    const { metrics, logged } = metricsOver(store);

    const first = await metrics.render();
    await new Promise((resolve) => setTimeout(resolve, 700));
    const second = await metrics.render();
    const labels = { run: 'run-metrics', task: 'burn', agent: 'worker' };
    const before = valueOf(first, 'ensemble_agent_cpu_seconds_total', labels);
    const after = valueOf(second, 'ensemble_agent_cpu_seconds_total', labels);
    expect(before).toBeGreaterThan(0);
    expect(after).toBeGreaterThan(before!);
    // Only the agent with processes has a series: the idle task never started.
    expect(samplesOf(second, 'ensemble_agent_cpu_seconds_total')).toHaveLength(1);
    expect(valueOf(second, 'ensemble_agent_rss_bytes', labels)).toBeGreaterThan(1024 * 1024);
    const utilisation = valueOf(second, 'ensemble_host_cpu_utilisation')!;
    expect(utilisation).toBeGreaterThanOrEqual(0);
    expect(utilisation).toBeLessThanOrEqual(1);
    const total = valueOf(second, 'ensemble_host_memory_total_bytes')!;
    expect(total).toBeGreaterThan(0);
    expect(valueOf(second, 'ensemble_host_memory_available_bytes')).toBeLessThanOrEqual(total);
    expect(samplesOf(second, 'ensemble_process_agent_limit').sort((a, b) => a.labels.run!.localeCompare(b.labels.run!))).toEqual([
      { labels: { run: 'run-metrics' }, value: 1 },
      { labels: { run: 'run-untouched' }, value: 3 },
    ]);
    expect(second).toContain('# TYPE ensemble_agent_cpu_seconds_total counter');
    expect(logged).toEqual([]);

    const check = spawnSync(promtool, ['check', 'metrics'], { input: second, encoding: 'utf8', timeout: 30_000 });
    expect(`${check.stdout}${check.stderr}`.trim()).toBe('');
    expect(check.status).toBe(0);
  }, 60_000);

  it('drops the series of an agent whose run finished, and caps label values per scrape, so a later run is not stuck in `other`', async () => {
    const { store } = temp;
    const now = Date.now();
    const owner = processes.start('sleep');
    const ownerRecord = { pid: owner.pid, host: HOST, startTicks: owner.startTicks };
    const first = seedMonitorRun(store, 'run-a', { owner: ownerRecord, taskIds: ['t'], maxParallelAgents: 2, at: now });
    first.append('agent:process', monitorProcessStarted('t', processes.start('sleep')));
    const second = seedMonitorRun(store, 'run-b', { owner: ownerRecord, taskIds: ['t'], maxParallelAgents: 2, at: now + 1 });
    second.append('agent:process', monitorProcessStarted('t', processes.start('sleep')));
    const { metrics } = metricsOver(store, 1);

    const capped = await metrics.render();
    // Newest run first: run-b keeps its id; run-a is folded into `other`.
    expect(samplesOf(capped, 'ensemble_agent_rss_bytes').map((sample) => sample.labels.run).sort()).toEqual(['other', 'run-b']);

    store.markRunStatus('run-b', 'succeeded');
    const later = await metrics.render();
    expect(samplesOf(later, 'ensemble_agent_rss_bytes').map((sample) => sample.labels)).toEqual([{ run: 'run-a', task: 't', agent: 'worker' }]);
    expect(samplesOf(later, 'ensemble_process_agent_limit')).toEqual([{ labels: { run: 'run-a' }, value: 2 }]);
  }, 60_000);

  it('leaves the figures unknown, not stale, when the journal cannot be read, and counts the failure', async () => {
    const { store } = temp;
    seedMonitorRun(store, 'run-x', { owner: { pid: 1, host: 'another-host.invalid' }, taskIds: ['t'], maxParallelAgents: 2, at: Date.now() });
    const { metrics, logged } = metricsOver(store);
    expect(samplesOf(await metrics.render(), 'ensemble_process_agent_limit')).toHaveLength(1);
    store.close();
    const broken = await metrics.render();
    expect(samplesOf(broken, 'ensemble_process_agent_limit')).toEqual([]);
    expect(valueOf(broken, 'ensemble_host_cpu_utilisation')).toBeNaN();
    // The error counter is written before the gauges are read: the failure shows in the next scrape.
    expect(valueOf(await metrics.render(), 'ensemble_metrics_errors_total', { source: 'journal' })).toBeGreaterThanOrEqual(1);
    expect(logged.some((line) => line.includes('journal'))).toBe(true);
  });
});
