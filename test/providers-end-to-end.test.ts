import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../src/core/index.js';
import type { RunEvent, RunEventOf, RunOutcome } from '../src/core/index.js';
import type { EnsembleConfig } from '../src/config/index.js';
import { createProviderGovernor } from '../src/providers/index.js';
import type { ProviderGovernor } from '../src/providers/index.js';
import { AgentOrchestrator } from '../src/orchestrator/index.js';
import type { OrchestratorConfig } from '../src/orchestrator/index.js';
import { openAiChunk, openAiErrorReply, openAiStreamReply, stalledReply, startProviderServer } from './helpers/provider-servers.js';
import type { ProviderServer, Reply } from './helpers/provider-servers.js';

/**
 * The provider edge end to end: the orchestrator, the scheduler, the llm runtime, the AI SDK
 * client, `toProviderError` and the real governor, against a loopback server speaking the OpenAI
 * protocol. Waits are measured on a manual clock where the test drives time, never on the wall.
 */

let server: ProviderServer;
beforeEach(async () => {
  server = await startProviderServer();
});
afterEach(async () => {
  await server.close();
});

const workspace = (): string => mkdtempSync(join(tmpdir(), 'ensemble-providers-'));
const openAi = (): EnsembleConfig => ({ provider: 'openai', providers: { openai: { apiKey: 'sk-test-KEY', baseURL: `${server.url}/v1` } }, tiers: {}, costs: {} });
const answer = (text = 'an answer'): Reply => openAiStreamReply({ model: 'gpt-4.1', chunks: [text], inputTokens: 30, outputTokens: 12 });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function ofType<T extends RunEvent['type']>(events: readonly RunEvent[], type: T): RunEventOf<T>[] {
  return events.filter((event) => event.type === type) as unknown as RunEventOf<T>[];
}

/** Tasks started and not yet ended or waiting out a retry: each should be at the provider (a call in flight or queued). */
function runningTasks(events: readonly RunEvent[]): number {
  const running = new Set<string>();
  for (const event of events) {
    if (event.type === 'task:start') running.add(event.taskId);
    else if (event.type === 'task:retry' || event.type === 'task:complete' || event.type === 'task:error' || event.type === 'task:cancelled') running.delete(event.taskId);
  }
  return running.size;
}

/**
 * Waits until the run can only move on when time passes: no call in flight and every running task
 * queued at the governor. A task does work before its call reaches the governor (its workspace's real
 * path, its tools: issue 7; the tokenizer, loaded by the first task), which a loaded machine makes take
 * seconds: firing a timer before the call arrives would skip time past it (to a task's 10-minute
 * timeout). Bounded: after 15 s of real time it goes on.
 */
async function settleCalls(governor: ProviderGovernor, events: readonly RunEvent[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    for (let turn = 0; turn < 5; turn++) await nextTurn();
    const stats = governor.stats('openai');
    if (stats.inFlight === 0 && runningTasks(events) <= stats.waiting) break;
    if (Date.now() > deadline) break;
    await sleep(5);
  }
  for (let turn = 0; turn < 5; turn++) await nextTurn();
}

/** Runs the orchestrator to its end, firing the manual clock's timers one by one whenever only time can move it on. */
async function driveToEnd(clock: ManualClock, governor: ProviderGovernor, running: Promise<RunOutcome>, events: readonly RunEvent[]): Promise<RunOutcome> {
  let isDone = false;
  void running.then(
    () => (isDone = true),
    () => (isDone = true),
  );
  for (let step = 0; step < 1000; step++) {
    await settleCalls(governor, events);
    if (isDone) return running;
    if (!clock.fireNext()) await sleep(10);
  }
  throw new Error('the run did not end within 1000 clock steps');
}

function orchestrator(config: Partial<OrchestratorConfig> = {}): { orchestrator: AgentOrchestrator; events: RunEvent[] } {
  const created = new AgentOrchestrator({ store: false, workspaceDir: workspace(), ensembleConfig: openAi(), onWarning: () => {}, ...config });
  const events: RunEvent[] = [];
  created.on('*', (event) => events.push(event));
  return { orchestrator: created, events };
}

describe('providers fail fast and visibly (issue 6)', () => {
  it('an always-503 provider fails a 5-task fan-out in under a minute with default settings, every error naming the provider', async () => {
    // Before: 601 s, tasks failing one by one 120 s apart (governor retries nested in task retries, an open circuit parking callers silently).
    server.setDefault(openAiErrorReply(503, 'Service Unavailable'));
    const clock = new ManualClock(1_000_000);
    const governor = createProviderGovernor({ clock });
    const { orchestrator: run, events } = orchestrator({ clock, governor });
    run.addTasks(Array.from({ length: 5 }, (_, index) => ({ id: `review-${index + 1}`, agentName: 'analyzer', prompt: `Review part ${index + 1}` })));
    const outcome = await driveToEnd(clock, governor, run.execute(), events);

    expect(outcome.status).toBe('failed');
    expect(outcome.summary).toMatchObject({ totalTasks: 5, failedTasks: 5 });
    const started = ofType(events, 'workflow:start')[0]!.at;
    const ended = ofType(events, 'workflow:complete')[0]!.at;
    expect(ended - started).toBeLessThan(60_000);
    const errors = ofType(events, 'task:error');
    expect(errors).toHaveLength(5);
    for (const error of errors) {
      expect(['PROVIDER_UNAVAILABLE', 'PROVIDER_CIRCUIT_OPEN']).toContain(error.error.code);
      expect(error.error.message).toContain('openai');
    }
    expect(errors.some((error) => error.error.code === 'PROVIDER_CIRCUIT_OPEN')).toBe(true);
    // One call per attempt: 5 first attempts, then only the breaker's probes (one per 10 s cool-down).
    expect(server.requests.length).toBeGreaterThanOrEqual(5);
    expect(server.requests.length).toBeLessThanOrEqual(9);
    // Why nothing moves is on the record: the circuit opening, and tasks waiting for it.
    expect(ofType(events, 'provider:circuit').some((event) => event.state === 'open' && event.provider === 'openai')).toBe(true);
    expect(ofType(events, 'provider:pause').some((event) => event.reason === 'circuit-open' && event.waitMs > 0)).toBe(true);
  });

  it('a task with retry.max 3 against a 500-only server makes 4 requests, not 20', async () => {
    server.setDefault(openAiErrorReply(500, 'Internal error'));
    const clock = new ManualClock(0);
    const governor = createProviderGovernor({ clock });
    const { orchestrator: run, events } = orchestrator({ clock, governor });
    run.addTasks([{ id: 'only', agentName: 'analyzer', prompt: 'Plan', retry: { max: 3, backoffMs: 1000 } }]);
    const outcome = await driveToEnd(clock, governor, run.execute(), events);
    expect(outcome.results[0]).toMatchObject({ status: 'failed', attempts: 4, error: { code: 'PROVIDER_UNAVAILABLE' } });
    expect(server.requests).toHaveLength(4);
    expect(ofType(events, 'task:retry')).toHaveLength(3);
  });

  it('a real 429 with retry-after pauses both concurrent llm tasks, then both succeed', async () => {
    const clock = new ManualClock(0);
    // One call at a time, so the other task queues in the governor behind the call that gets the 429.
    const governor = createProviderGovernor({ clock, initialConcurrency: 1 });
    // Under load the 429 could come back before the other task reached the governor (and time moved on
    // past the pause), or that task's call could be the first: the server holds the 429 until the other
    // task is queued, and the test reads which task it answered.
    let limitedPrompt: string | undefined;
    server.enqueue(async (request, response) => {
      limitedPrompt = JSON.stringify(request.body).includes('Plan A') ? 'Plan A' : 'Plan B';
      const deadline = Date.now() + 10_000;
      while (governor.stats('openai').waiting < 1 && Date.now() < deadline) await sleep(5);
      openAiErrorReply(429, 'Rate limit reached', { 'retry-after': '1' })(request, response);
    });
    server.setDefault(answer());
    const { orchestrator: run, events } = orchestrator({ clock, governor });
    run.addTasks([
      { id: 'first', agentName: 'analyzer', prompt: 'Plan A', priority: 10 },
      { id: 'second', agentName: 'analyzer', prompt: 'Plan B' },
    ]);
    const outcome = await driveToEnd(clock, governor, run.execute(), events);
    expect(outcome.status).toBe('succeeded');
    expect(server.requests).toHaveLength(3);
    const limitedTask = limitedPrompt === 'Plan A' ? 'first' : 'second';
    const pauses = ofType(events, 'provider:pause').filter((event) => event.reason === 'rate-limited');
    expect(new Set(pauses.map((event) => event.taskId))).toEqual(new Set(['first', 'second']));
    for (const pause of pauses) expect(pause).toMatchObject({ provider: 'openai', waitMs: 1000, error: { code: 'PROVIDER_RATE_LIMITED' } });
    // The task that got the 429 is retried by its task policy, no sooner than retry-after.
    const retries = ofType(events, 'task:retry');
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ taskId: limitedTask, error: { code: 'PROVIDER_RATE_LIMITED', retryAfterMs: 1000 } });
    expect(retries[0]!.delayMs).toBeGreaterThanOrEqual(1000);
    expect(ofType(events, 'task:complete').map((event) => event.taskId).sort()).toEqual(['first', 'second']);
  });

  it('a stalled stream fails its call after the configured idle timeout and the task retries', async () => {
    server.enqueue(stalledReply(openAiChunk('gpt-4.1', { role: 'assistant', content: 'Partial ' }, null)));
    server.setDefault(answer('full answer'));
    const { orchestrator: run, events } = orchestrator({ governor: createProviderGovernor(), providerPolicy: { streamIdleTimeoutMs: 200 }, retry: { max: 1, backoffMs: 10 } });
    run.addTasks([{ id: 'plan', agentName: 'analyzer', prompt: 'Plan' }]);
    const outcome = await run.execute();
    expect(outcome.status).toBe('succeeded');
    const retry = ofType(events, 'task:retry')[0]!;
    expect(retry.error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', retryable: true });
    expect(retry.error.message).toContain('the stream stalled: nothing received for 200 ms');
    expect(ofType(events, 'task:complete')[0]!.output).toBe('full answer');
    await server.waitForAbandonedResponse();
  });

  it('time queued behind the provider limit is not task time: 20 tasks of 1 s calls with timeoutMs 1500 at limit 8 all succeed', async () => {
    // Before: 12 of the 20 timed out at --concurrency 20.
    server.setDefault(async (request, response) => {
      await sleep(1000);
      answer()(request, response);
    });
    const { orchestrator: run, events } = orchestrator({ governor: createProviderGovernor({ initialConcurrency: 8, maxConcurrency: 8 }), maxParallelAgents: 20 });
    run.addTasks(Array.from({ length: 20 }, (_, index) => ({ id: `t${index}`, agentName: 'analyzer', prompt: `Part ${index}`, timeoutMs: 1500, retry: { max: 0 } })));
    const outcome = await run.execute();
    expect(ofType(events, 'task:error').map((event) => event.error.code)).toEqual([]);
    expect(outcome.summary.successfulTasks).toBe(20);
    expect(server.requests).toHaveLength(20);
    // Tasks that waited a noticeable time were told why.
    expect(ofType(events, 'provider:pause').filter((event) => event.reason === 'queued').length).toBeGreaterThan(0);
  }, 30_000);

  it('three concurrent calls under a cap that fits them one after another all run: holds are not spending', async () => {
    // Before: the third concurrent call failed with "spent so far: 8400" while 600 were spent.
    server.setDefault(async (request, response) => {
      await sleep(150);
      answer()(request, response);
    });
    const probe = orchestrator({ ensembleConfig: { ...openAi(), budget: { run: { tokens: 1 } } }, governor: createProviderGovernor() });
    probe.orchestrator.addTasks([{ id: 'p', agentName: 'analyzer', prompt: 'Part 0' }]);
    const probed = await probe.orchestrator.execute();
    const reserved = (probed.results[0]!.error!.details as { requested: { tokens: number } }).requested.tokens;
    const { orchestrator: run } = orchestrator({ budget: { run: { tokens: 2 * reserved + 100 } }, governor: createProviderGovernor(), maxParallelAgents: 3 });
    run.addTasks(Array.from({ length: 3 }, (_, index) => ({ id: `t${index}`, agentName: 'analyzer', prompt: `Part ${index}` })));
    const outcome = await run.execute();
    expect(outcome.results.map((result) => result.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(outcome.summary.totalTokens).toBe(3 * 42);
  });

  it('refuses to start a run with a dollar cap on a model without a price, before any call', async () => {
    const config: EnsembleConfig = { provider: 'openai', providers: { openai: { apiKey: 'k', baseURL: `${server.url}/v1` } }, tiers: { openai: { sonnet: 'my-finetune' } }, costs: {} };
    const { orchestrator: run, events } = orchestrator({ ensembleConfig: config, budget: { run: { costUsd: 1 } } });
    run.addTasks([{ id: 'plan', agentName: 'analyzer', prompt: 'Plan' }]);
    await expect(run.execute()).rejects.toMatchObject({ code: 'INVALID_CONFIG', message: expect.stringContaining('no price is known for openai:my-finetune') });
    expect(events).toEqual([]);
    expect(server.requests).toHaveLength(0);
  });
});
