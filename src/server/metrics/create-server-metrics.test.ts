import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register as globalRegistry } from 'prom-client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyRunEvent, createRunState, runConfigSchema, ZERO_USAGE, type Logger, type RunEvent, type RunState, type TokenUsage } from '../../core/index.js';
import { AgentOrchestrator } from '../../orchestrator/index.js';
import { openRunStore, type RunStore } from '../../store/index.js';
import { RunEventFactory } from '../../../test/helpers/run-events.js';
import { createServerMetrics, type ServerMetrics, type ServerMetricsOptions } from './index.js';

const failure = { code: 'AGENT_FAILED', message: 'model said no', retryable: true } as const;
const usageOf = (inputTokens: number, outputTokens: number): TokenUsage => ({ inputTokens, outputTokens, totalTokens: inputTokens + outputTokens });

const openStores: RunStore[] = [];
afterEach(() => {
  for (const store of openStores.splice(0)) store.close();
});

function tempStore(): RunStore {
  const store = openRunStore(join(mkdtempSync(join(tmpdir(), 'ensemble-metrics-')), 'journal.db'));
  openStores.push(store);
  return store;
}

/** Metrics over an empty temp journal and no live runs, unless told otherwise; errors go to `logged`. */
function metricsWith(options: Partial<ServerMetricsOptions> = {}): { metrics: ServerMetrics; logged: string[] } {
  const logged: string[] = [];
  const logger: Logger = { warn: (message) => logged.push(`warn: ${message}`), error: (message) => logged.push(`error: ${message}`) };
  const metrics = createServerMetrics({ store: options.store ?? tempStore(), liveRuns: () => [], logger, processMetrics: false, ...options });
  return { metrics, logged };
}

/** Observes the events and renders the exposition. */
async function scrape(metrics: ServerMetrics, events: readonly RunEvent[] = []): Promise<string> {
  for (const event of events) metrics.observe(event);
  return metrics.render();
}

describe('createServerMetrics: metrics counted from run events', () => {
  it('counts task outcomes, retries and the duration of the attempt that ended each task, per agent', async () => {
    const run = new RunEventFactory('run-1');
    const events = [
      run.begin('a', 'coder'),
      run.apply('task:retry', { taskId: 'a', agentName: 'coder', attempt: 1, delayMs: 10, error: failure, usage: ZERO_USAGE, costUsd: 0 }),
      run.begin('a', 'coder', 1000, 2),
      run.complete('a', { agentName: 'coder', duration: 1500 }),
      run.begin('b', 'worker'),
      run.fail('b', 'broken'),
      run.apply('task:skipped', { taskId: 'c', agentName: 'coder', reason: 'dependency-failed', blockedBy: 'b' }),
      run.apply('task:cancelled', { taskId: 'd', agentName: 'coder', reason: 'cancelled', usage: ZERO_USAGE, costUsd: 0 }),
    ];
    const text = await scrape(metricsWith().metrics, events);
    expect(sampleValues(text, 'ensemble_task_outcomes_total')).toEqual([
      { labels: { agent: 'coder', outcome: 'succeeded' }, value: 1 },
      { labels: { agent: 'worker', outcome: 'failed' }, value: 1 },
      { labels: { agent: 'coder', outcome: 'skipped' }, value: 1 },
      { labels: { agent: 'coder', outcome: 'cancelled' }, value: 1 },
    ]);
    expect(sampleValues(text, 'ensemble_task_retries_total')).toEqual([{ labels: { agent: 'coder' }, value: 1 }]);
    expect(sampleValue(text, 'ensemble_task_duration_seconds_count', { agent: 'coder' })).toBe(1);
    expect(sampleValue(text, 'ensemble_task_duration_seconds_sum', { agent: 'coder' })).toBe(1.5);
    expect(sampleValue(text, 'ensemble_task_duration_seconds_bucket', { agent: 'coder', le: '1' })).toBe(0);
    expect(sampleValue(text, 'ensemble_task_duration_seconds_bucket', { agent: 'coder', le: '2.5' })).toBe(1);
    // The failed task's attempt (5 ms) is timed too.
    expect(sampleValue(text, 'ensemble_task_duration_seconds_sum', { agent: 'worker' })).toBe(0.005);
  });

  it("counts tokens and dollars per provider and model of each attempt's agent:invoke, failed and aborted attempts included", async () => {
    const run = new RunEventFactory('run-1');
    const invoke = (taskId: string, attempt: number, runtime: string, model: string): RunEvent =>
      run.apply('agent:invoke', { taskId, agentName: 'coder', model, runtime, attempt });
    const events = [
      invoke('a', 1, 'llm', 'anthropic:claude-sonnet-4-5'),
      run.apply('task:retry', { taskId: 'a', agentName: 'coder', attempt: 1, delayMs: 0, error: failure, usage: usageOf(100, 7), costUsd: 0.5 }),
      // The retry runs on another model (a fallback): its spend goes there.
      invoke('a', 2, 'llm', 'ollama:llama3.1:8b'),
      run.apply('task:complete', { taskId: 'a', agentName: 'coder', duration: 10, tokensUsed: 30, usage: usageOf(20, 10), costUsd: 0, attempt: 2, output: 'ok' }),
      invoke('b', 1, 'llm', 'anthropic:claude-sonnet-4-5'),
      run.apply('task:error', { taskId: 'b', agentName: 'coder', duration: 10, attempt: 1, error: failure, usage: usageOf(40, 2), costUsd: 0.25 }),
      invoke('c', 1, 'simulated', 'simulated:sonnet'),
      run.apply('task:cancelled', { taskId: 'c', agentName: 'coder', reason: 'cancelled', attempt: 1, duration: 3, usage: usageOf(9, 0), costUsd: 0 }),
      // Cancelled before it was launched: nothing spent, no series made.
      run.apply('task:cancelled', { taskId: 'd', agentName: 'coder', reason: 'cancelled', usage: ZERO_USAGE, costUsd: 0 }),
    ];
    const text = await scrape(metricsWith().metrics, events);
    expect(sampleValues(text, 'ensemble_tokens_total')).toEqual([
      { labels: { provider: 'anthropic', model: 'claude-sonnet-4-5', kind: 'input' }, value: 140 },
      { labels: { provider: 'anthropic', model: 'claude-sonnet-4-5', kind: 'output' }, value: 9 },
      { labels: { provider: 'ollama', model: 'llama3.1:8b', kind: 'input' }, value: 20 },
      { labels: { provider: 'ollama', model: 'llama3.1:8b', kind: 'output' }, value: 10 },
      { labels: { provider: 'simulated', model: 'sonnet', kind: 'input' }, value: 9 },
      { labels: { provider: 'simulated', model: 'sonnet', kind: 'output' }, value: 0 },
    ]);
    expect(sampleValues(text, 'ensemble_cost_usd_total')).toEqual([
      { labels: { provider: 'anthropic', model: 'claude-sonnet-4-5' }, value: 0.75 },
      { labels: { provider: 'ollama', model: 'llama3.1:8b' }, value: 0 },
      { labels: { provider: 'simulated', model: 'sonnet' }, value: 0 },
    ]);
  });

  it('counts the spend of an attempt whose agent:invoke it did not see (metrics started mid-run) as unknown', async () => {
    const run = new RunEventFactory('run-1');
    const text = await scrape(metricsWith().metrics, [
      run.apply('task:complete', { taskId: 'a', agentName: 'coder', duration: 10, tokensUsed: 3, usage: usageOf(1, 2), costUsd: 0.125, attempt: 1, output: 'ok' }),
    ]);
    expect(sampleValue(text, 'ensemble_tokens_total', { provider: 'unknown', model: 'unknown', kind: 'output' })).toBe(2);
    expect(sampleValue(text, 'ensemble_cost_usd_total', { provider: 'unknown', model: 'unknown' })).toBe(0.125);
  });

  it('reports the last breaker state per provider (0 closed, 1 half-open, 2 open) and counts provider pauses by reason', async () => {
    const run = new RunEventFactory('run-1');
    const circuit = (provider: string, state: 'open' | 'half-open' | 'closed'): RunEvent =>
      run.apply('provider:circuit', { taskId: 'a', agentName: 'coder', attempt: 1, provider, state, failures: 5 });
    const pause = (provider: string, reason: 'rate-limited' | 'backoff' | 'circuit-open' | 'queued'): RunEvent =>
      run.apply('provider:pause', { taskId: 'a', agentName: 'coder', attempt: 1, provider, reason, waitMs: 1000 });
    const { metrics } = metricsWith();
    let text = await scrape(metrics, [circuit('anthropic', 'open'), circuit('openai', 'open'), pause('anthropic', 'rate-limited'), pause('anthropic', 'rate-limited'), pause('openai', 'circuit-open')]);
    expect(sampleValues(text, 'ensemble_provider_circuit_state')).toEqual([
      { labels: { provider: 'anthropic' }, value: 2 },
      { labels: { provider: 'openai' }, value: 2 },
    ]);
    expect(sampleValues(text, 'ensemble_provider_pauses_total')).toEqual([
      { labels: { provider: 'anthropic', reason: 'rate-limited' }, value: 2 },
      { labels: { provider: 'openai', reason: 'circuit-open' }, value: 1 },
    ]);
    text = await scrape(metrics, [circuit('anthropic', 'half-open'), circuit('openai', 'closed')]);
    expect(sampleValue(text, 'ensemble_provider_circuit_state', { provider: 'anthropic' })).toBe(1);
    expect(sampleValue(text, 'ensemble_provider_circuit_state', { provider: 'openai' })).toBe(0);
  });

  it('counts ended tool calls by tool and success, not their starts', async () => {
    const run = new RunEventFactory('run-1');
    const tool = (callId: string, name: string, state: 'start' | 'end', ok?: boolean): RunEvent =>
      run.apply('agent:tool', { taskId: 'a', agentName: 'coder', attempt: 1, callId, tool: name, state, input: 'src/app.ts', ...(ok === undefined ? {} : { ok }) });
    const text = await scrape(metricsWith().metrics, [
      tool('1', 'Read', 'start'),
      tool('1', 'Read', 'end', true),
      tool('2', 'Read', 'start'),
      tool('2', 'Read', 'end', false),
      tool('3', 'Bash', 'start'),
      tool('3', 'Bash', 'end', true),
      tool('4', 'mcp__github__create_issue', 'start'),
    ]);
    expect(sampleValues(text, 'ensemble_tool_calls_total')).toEqual([
      { labels: { tool: 'Read', ok: 'true' }, value: 1 },
      { labels: { tool: 'Read', ok: 'false' }, value: 1 },
      { labels: { tool: 'Bash', ok: 'true' }, value: 1 },
    ]);
    expect(sampleValue(text, 'ensemble_events_total', { type: 'agent:tool' })).toBe(7);
  });

  it('counts each event of a run once, however often it is observed (a run executed here and followed)', async () => {
    const run = new RunEventFactory('run-1');
    const first = [run.begin('a'), run.complete('a')];
    const { metrics } = metricsWith();
    await scrape(metrics, [...first, ...first]);
    const text = await scrape(metrics, [first[1]!, run.begin('b'), first[0]!]);
    expect(sampleValues(text, 'ensemble_events_total')).toEqual([
      { labels: { type: 'task:start' }, value: 2 },
      { labels: { type: 'task:complete' }, value: 1 },
    ]);
  });

  it('never throws from observe: an event it cannot count is counted as a failure and logged once', async () => {
    const { metrics, logged } = metricsWith();
    const broken = { type: 'task:complete', runId: 'run-1', seq: 1, at: 1, taskId: 'a', agentName: 'coder', duration: 5 } as unknown as RunEvent;
    const alsoBroken = { ...broken, seq: 2 } as RunEvent;
    expect(() => metrics.observe(broken)).not.toThrow();
    expect(() => metrics.observe(alsoBroken)).not.toThrow();
    const text = await metrics.render();
    expect(sampleValue(text, 'ensemble_metrics_errors_total', { source: 'observe' })).toBe(2);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/^error: metrics: observe failed/);
  });

  it('exports label values past the limit as other', async () => {
    const run = new RunEventFactory('run-1');
    const events = ['a', 'b', 'c', 'd'].flatMap((agentName) => [run.begin(agentName, agentName), run.complete(agentName, { agentName })]);
    const text = await scrape(metricsWith({ maxLabelValues: 2 }).metrics, events);
    expect(sampleValues(text, 'ensemble_task_outcomes_total').map((sample) => [sample.labels['agent'], sample.value])).toEqual([
      ['a', 1],
      ['b', 1],
      ['other', 2],
    ]);
  });

  it('tracks SSE clients, never below zero', async () => {
    const { metrics } = metricsWith();
    expect(sampleValue(await metrics.render(), 'ensemble_sse_clients')).toBe(0);
    metrics.sseClientOpened();
    metrics.sseClientOpened();
    metrics.sseClientClosed();
    expect(sampleValue(await metrics.render(), 'ensemble_sse_clients')).toBe(1);
    metrics.sseClientClosed();
    metrics.sseClientClosed();
    expect(sampleValue(await metrics.render(), 'ensemble_sse_clients')).toBe(0);
  });

  it("keeps each server's figures in its own registry, out of prom-client's global one", async () => {
    const run = new RunEventFactory('run-1');
    const one = metricsWith().metrics;
    const other = metricsWith().metrics;
    one.observe(run.begin('a'));
    expect(sampleValue(await one.render(), 'ensemble_events_total', { type: 'task:start' })).toBe(1);
    expect(sampleValue(await other.render(), 'ensemble_events_total', { type: 'task:start' })).toBeUndefined();
    expect(await globalRegistry.metrics()).not.toContain('ensemble_');
    expect(one.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });
});

describe('createServerMetrics: gauges read at scrape time', () => {
  it('reads runs and tasks by status from the journal, runs of other processes included, at every scrape', async () => {
    const store = tempStore();
    // Another process's handle on the same journal file.
    const elsewhere = openRunStore(store.path);
    openStores.push(elsewhere);
    const createRun = (runId: string, taskIds: readonly string[]): RunEventFactory => {
      const tasks = taskIds.map((id) => ({ id, agentName: 'worker', description: id, prompt: id, dependencies: [], priority: 5 }));
      const claim = elsewhere.createRun({ runId, workflowName: 'w', spec: { tasks, config: runConfigSchema.parse({}), parameters: {} }, owner: { pid: 1, host: 'elsewhere' }, createdAt: Date.now() });
      const run = new RunEventFactory(runId);
      const events = [run.apply('workflow:start', { workflowName: 'w', taskCount: taskIds.length, maxParallelAgents: 2, resumed: false, completedTaskCount: 0 })];
      for (const id of taskIds) events.push(run.apply('task:added', { taskId: id, agentName: 'worker', description: id, dependencies: [], priority: 5 }));
      elsewhere.journalFor(runId, claim).append(events);
      return run;
    };
    const { metrics } = metricsWith({ store });
    let text = await metrics.render();
    expect(sampleValues(text, 'ensemble_runs').every((sample) => sample.value === 0)).toBe(true);
    expect(sampleValues(text, 'ensemble_runs').map((sample) => sample.labels['status'])).toEqual(['running', 'succeeded', 'failed', 'cancelled', 'interrupted']);

    const running = createRun('run-running', ['a', 'b', 'c']);
    elsewhere.journalFor('run-running').append([running.begin('a'), running.complete('a'), running.begin('b')]);
    createRun('run-interrupted', ['x', 'y']);
    elsewhere.markRunStatus('run-interrupted', 'interrupted');
    text = await metrics.render();
    expect(sampleValues(text, 'ensemble_runs').filter((sample) => sample.value > 0)).toEqual([
      { labels: { status: 'running' }, value: 1 },
      { labels: { status: 'interrupted' }, value: 1 },
    ]);
    expect(Object.fromEntries(sampleValues(text, 'ensemble_tasks').map((sample) => [sample.labels['status'], sample.value]))).toEqual({
      pending: 3,
      running: 1,
      retrying: 0,
      succeeded: 1,
      failed: 0,
      skipped: 0,
      cancelled: 0,
      waiting: 0,
    });
    expect(sampleValue(text, 'ensemble_journal_read_seconds')).toBeGreaterThan(0);
  });

  it('computes ready tasks, running agents and live runs from the live runs at each scrape', async () => {
    const run = new RunEventFactory('run-1');
    run.start('w', [{ id: 'a' }, { id: 'b' }, { id: 'c', dependencies: ['a'] }]);
    run.begin('a');
    const live: RunState[] = [run.state];
    const { metrics } = metricsWith({ liveRuns: () => live });
    let text = await metrics.render();
    expect([sampleValue(text, 'ensemble_ready_tasks'), sampleValue(text, 'ensemble_running_agents'), sampleValue(text, 'ensemble_live_runs')]).toEqual([1, 1, 1]);
    run.complete('a');
    text = await metrics.render();
    expect([sampleValue(text, 'ensemble_ready_tasks'), sampleValue(text, 'ensemble_running_agents')]).toEqual([2, 0]);
    live.length = 0;
    text = await metrics.render();
    expect([sampleValue(text, 'ensemble_ready_tasks'), sampleValue(text, 'ensemble_running_agents'), sampleValue(text, 'ensemble_live_runs')]).toEqual([0, 0, 0]);
  });

  it('survives an unreadable journal and failing live runs: no stale figures, the failures counted and logged once each', async () => {
    const store = tempStore();
    let isBroken = false;
    const { metrics, logged } = metricsWith({
      store,
      liveRuns: () => {
        if (isBroken) throw new Error('live runs unavailable');
        return [];
      },
    });
    expect(sampleValue(await metrics.render(), 'ensemble_runs', { status: 'running' })).toBe(0);
    store.close();
    isBroken = true;
    await metrics.render();
    const text = await metrics.render();
    expect(sampleValues(text, 'ensemble_runs')).toEqual([]);
    expect(sampleValues(text, 'ensemble_tasks')).toEqual([]);
    expect(sampleValue(text, 'ensemble_ready_tasks')).toBeNaN();
    // The journal gauges and the agent resource gauges each fail once per scrape.
    expect(sampleValue(text, 'ensemble_metrics_errors_total', { source: 'journal' })).toBe(4);
    expect(sampleValue(text, 'ensemble_metrics_errors_total', { source: 'live_runs' })).toBe(2);
    expect(sampleValues(text, 'ensemble_tickets')).toEqual([]);
    expect(sampleValue(text, 'ensemble_agent_utilisation')).toBeNaN();
    expect(sampleValue(text, 'ensemble_metrics_errors_total', { source: 'codebase' })).toBe(2);
    expect(logged.map((line) => line.split(' failed')[0])).toEqual(['error: metrics: journal', 'error: metrics: live_runs', 'error: metrics: codebase']);
  });
});

describe('createServerMetrics: a real workflow through AgentOrchestrator, checked by promtool', () => {
  let promtool = '';
  beforeAll(() => {
    // The script finds promtool or fetches it (Debian's package, extracted, never installed): no skip when it is missing.
    promtool = execFileSync('bash', [join(REPO_ROOT, 'scripts', 'ensure-promtool.sh')], { encoding: 'utf8', timeout: 300_000 }).trim();
  }, 310_000);

  it('promtool reports a broken exposition (so a clean check means something)', () => {
    const result = checkWithPromtool(promtool, '# HELP ensemble_things_count Things.\n# TYPE ensemble_things_count counter\nensemble_things_count 1\n');
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('counter metrics should have "_total" suffix');
  });

  it('counts a run of simulated and in-process agents as its events and journal say, and passes promtool check metrics', async () => {
    const workspaceDir = mkdtempSync(join(tmpdir(), 'ensemble-metrics-workspace-'));
    mkdirSync(join(workspaceDir, 'src'));
    writeFileSync(join(workspaceDir, 'src', 'app.ts'), 'export function add(a: number, b: number): number {\n  return a + b;\n}\n');
    writeFileSync(join(workspaceDir, 'README.md'), '# Todo service\n\nA small API.\n');
    const store = tempStore();
    const state = createRunState();
    const metrics = createServerMetrics({ store, liveRuns: () => (state.status === undefined ? [] : [state]) });
    const midRun: string[] = [];
    let flakyAttempts = 0;
    const orchestrator = new AgentOrchestrator({
      store,
      agentDirs: [],
      workspaceDir,
      ensembleConfig: { providers: {}, tiers: {}, costs: {} },
      simulatedLatencyMs: 0,
      maxParallelAgents: 1,
      retry: { max: 0, backoffMs: 0 },
      logger: { warn: () => {}, error: () => {} },
    })
      .registerAgent({ name: 'metrics-probe', run: async () => (midRun.push(await metrics.render()), 'scraped') })
      .registerAgent({
        name: 'flaky-agent',
        run: (_task, context) => {
          if (++flakyAttempts === 1) {
            context.reportUsage(usageOf(100, 50), 0.25);
            throw new Error('the model timed out');
          }
          return { output: 'fixed', usage: usageOf(10, 5), costUsd: 0.05 };
        },
      })
      .registerAgent({
        name: 'broken-agent',
        run: () => {
          throw new Error('always broken');
        },
      });
    orchestrator.addTasks([
      { id: 'probe', agentName: 'metrics-probe', priority: 10 },
      { id: 'design', agentName: 'backend-architect', prompt: 'Design the todo API; read src/app.ts first.' },
      { id: 'flaky', agentName: 'flaky-agent', model: 'openai:gpt-4.1', retry: { max: 1, backoffMs: 0 } },
      { id: 'broken', agentName: 'broken-agent' },
      { id: 'review', agentName: 'code-reviewer', prompt: 'Review the design.', dependencies: ['design'] },
      { id: 'after-broken', agentName: 'code-reviewer', prompt: 'Review the fix.', dependencies: ['broken'] },
    ]);
    const events: RunEvent[] = [];
    orchestrator.on('*', (event) => {
      applyRunEvent(state, event);
      events.push(event);
      metrics.observe(event);
    });
    metrics.sseClientOpened();
    const outcome = await orchestrator.execute();
    expect(outcome.status).toBe('failed');

    // While the probe ran alone (one slot): design, flaky and broken were ready; review and after-broken waited.
    expect(midRun).toHaveLength(1);
    expect([sampleValue(midRun[0]!, 'ensemble_ready_tasks'), sampleValue(midRun[0]!, 'ensemble_running_agents'), sampleValue(midRun[0]!, 'ensemble_live_runs')]).toEqual([3, 1, 1]);
    expect(sampleValue(midRun[0]!, 'ensemble_runs', { status: 'running' })).toBe(1);

    const text = await metrics.render();
    const outcomes = Object.fromEntries(sampleValues(text, 'ensemble_task_outcomes_total').map((sample) => [`${sample.labels['agent']} ${sample.labels['outcome']}`, sample.value]));
    expect(outcomes).toEqual({
      'metrics-probe succeeded': 1,
      'backend-architect succeeded': 1,
      'flaky-agent succeeded': 1,
      'broken-agent failed': 1,
      'code-reviewer succeeded': 1,
      'code-reviewer skipped': 1,
    });
    expect(sampleValues(text, 'ensemble_task_retries_total')).toEqual([{ labels: { agent: 'flaky-agent' }, value: 1 }]);
    // The failed first attempt's spend counts with the second's, under the task's model.
    expect(sampleValue(text, 'ensemble_tokens_total', { provider: 'openai', model: 'gpt-4.1', kind: 'input' })).toBe(110);
    expect(sampleValue(text, 'ensemble_tokens_total', { provider: 'openai', model: 'gpt-4.1', kind: 'output' })).toBe(55);
    expect(sampleValue(text, 'ensemble_cost_usd_total', { provider: 'openai', model: 'gpt-4.1' })).toBeCloseTo(0.3, 10);
    const simulatedCompletions = events.filter((event) => event.type === 'task:complete' && event.model?.startsWith('simulated:'));
    expect(simulatedCompletions).toHaveLength(2);
    const simulatedInput = sampleValues(text, 'ensemble_tokens_total').filter((sample) => sample.labels['provider'] === 'simulated' && sample.labels['kind'] === 'input');
    expect(simulatedInput.reduce((sum, sample) => sum + sample.value, 0)).toBe(simulatedCompletions.reduce((sum, event) => sum + (event.type === 'task:complete' ? event.usage.inputTokens : 0), 0));
    expect(simulatedInput.every((sample) => sample.value > 0 && !String(sample.labels['model']).startsWith('simulated'))).toBe(true);

    for (const agent of ['backend-architect', 'code-reviewer', 'flaky-agent', 'broken-agent']) {
      const ended = events.filter((event) => (event.type === 'task:complete' || event.type === 'task:error') && event.agentName === agent);
      expect(sampleValue(text, 'ensemble_task_duration_seconds_count', { agent })).toBe(ended.length);
      const seconds = ended.reduce((sum, event) => sum + (event.type === 'task:complete' || event.type === 'task:error' ? event.duration : 0), 0) / 1000;
      expect(sampleValue(text, 'ensemble_task_duration_seconds_sum', { agent })).toBeCloseTo(seconds, 6);
    }
    const toolEnds = events.filter((event) => event.type === 'agent:tool' && event.state === 'end');
    expect(toolEnds.length).toBeGreaterThan(0);
    expect(sampleValues(text, 'ensemble_tool_calls_total').reduce((sum, sample) => sum + sample.value, 0)).toBe(toolEnds.length);
    const eventCounts = new Map<string, number>();
    for (const event of events) eventCounts.set(event.type, (eventCounts.get(event.type) ?? 0) + 1);
    expect(new Map(sampleValues(text, 'ensemble_events_total').map((sample) => [sample.labels['type'], sample.value]))).toEqual(eventCounts);

    // Scrape-time figures: the journal's, and the run no longer live.
    expect(sampleValues(text, 'ensemble_runs').filter((sample) => sample.value > 0)).toEqual([{ labels: { status: 'failed' }, value: 1 }]);
    const journalTasks = new Map<string, number>();
    for (const task of store.listTasks(outcome.runId)) journalTasks.set(task.status, (journalTasks.get(task.status) ?? 0) + 1);
    expect(new Map(sampleValues(text, 'ensemble_tasks').filter((sample) => sample.value > 0).map((sample) => [sample.labels['status'], sample.value]))).toEqual(journalTasks);
    expect(Object.fromEntries(journalTasks)).toEqual({ succeeded: 4, failed: 1, skipped: 1 });
    expect([sampleValue(text, 'ensemble_ready_tasks'), sampleValue(text, 'ensemble_running_agents'), sampleValue(text, 'ensemble_live_runs')]).toEqual([0, 0, 0]);
    expect(sampleValue(text, 'ensemble_sse_clients')).toBe(1);
    expect(sampleValue(text, 'ensemble_process_cpu_seconds_total')).toBeGreaterThan(0);

    // Followed as well as executed here: the same events again change nothing.
    for (const event of events) metrics.observe(event);
    expect(sampleValues(await metrics.render(), 'ensemble_events_total')).toEqual(sampleValues(text, 'ensemble_events_total'));

    const check = checkWithPromtool(promtool, text);
    expect(check.output).toBe('');
    expect(check.status).toBe(0);
  });
});

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs `promtool check metrics` on the exposition: exit status and everything it printed (lint findings included). */
function checkWithPromtool(promtool: string, text: string): { status: number | null; output: string } {
  const result = spawnSync(promtool, ['check', 'metrics'], { input: text, encoding: 'utf8', timeout: 30_000 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, output: `${result.stdout}${result.stderr}`.trim() };
}

interface Sample {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The samples of one series name in a text exposition, in order, with their labels. */
function sampleValues(text: string, name: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`not an exposition line: ${line}`);
    if (match[1] !== name) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[label[1]!] = label[2]!.replace(/\\(.)/g, (_escape, character: string) => (character === 'n' ? '\n' : character));
    }
    const raw = match[3]!;
    samples.push({ labels, value: raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw) });
  }
  return samples;
}

/** The value of the sample with exactly these labels; undefined when there is none. */
function sampleValue(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  const wanted = Object.entries(labels);
  const sample = sampleValues(text, name).find((candidate) => Object.keys(candidate.labels).length === wanted.length && wanted.every(([key, value]) => candidate.labels[key] === value));
  return sample?.value;
}
