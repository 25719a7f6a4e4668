import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunEvent } from '../core/index.js';
import type { EnsembleConfig } from '../config/index.js';
import { openAiStreamReply, startProviderServer } from '../../test/helpers/provider-servers.js';
import type { ProviderServer } from '../../test/helpers/provider-servers.js';
import { AgentOrchestrator } from './agent-orchestrator.js';

let server: ProviderServer;
beforeEach(async () => {
  server = await startProviderServer(openAiStreamReply({ model: 'gpt-4.1', chunks: ['an answer'], inputTokens: 30, outputTokens: 12 }));
});
afterEach(async () => {
  await server.close();
});

const workspace = () => mkdtempSync(join(tmpdir(), 'ensemble-orchestrator-llm-'));

function openAiConfig(extra: Partial<EnsembleConfig> = {}): EnsembleConfig {
  return { provider: 'openai', providers: { openai: { apiKey: 'sk-test-KEY', baseURL: `${server.url}/v1` } }, tiers: {}, costs: {}, ...extra };
}

describe('AgentOrchestrator with a model provider', () => {
  it('runs llm agents on the configured provider and accounts the reported usage and cost', async () => {
    const orchestrator = new AgentOrchestrator({ store: false, workspaceDir: workspace(), ensembleConfig: openAiConfig() });
    orchestrator.addTasks([{ id: 'plan', agentName: 'backend-architect', prompt: 'Plan a todo API' }]);
    const events: RunEvent[] = [];
    orchestrator.on('*', (event) => events.push(event));
    const outcome = await orchestrator.execute();
    expect(outcome.status).toBe('succeeded');
    expect(events.find((event) => event.type === 'agent:invoke')).toMatchObject({ runtime: 'llm', model: 'openai:o3' });
    expect(outcome.summary).toMatchObject({ totalTokens: 42 });
    // backend-architect is an opus-tier agent: o3, $2 / $8 per million tokens.
    expect(outcome.summary.totalCost).toBeCloseTo((30 * 2 + 12 * 8) / 1_000_000, 12);
  });

  it('gives llm tasks added to the running graph the same attempt timeout and retry as the first ones (issue 8: meeting rounds)', async () => {
    const orchestrator = new AgentOrchestrator({ store: false, workspaceDir: workspace(), ensembleConfig: openAiConfig() });
    orchestrator.addTasks([{ id: 'plan', agentName: 'backend-architect', prompt: 'Plan a todo API' }]);
    const release = orchestrator.keepOpen();
    const added: RunEvent[] = [];
    orchestrator.on('task:added', (event) => added.push(event));
    orchestrator.on('task:complete', (event) => {
      if (event.taskId !== 'plan') return release();
      orchestrator.addTasks([{ id: 'review', agentName: 'code-reviewer', prompt: 'Review the plan', dependencies: ['plan'] }]);
    });
    const outcome = await orchestrator.execute();
    expect(outcome.status).toBe('succeeded');
    const review = added.find((event) => event.type === 'task:added' && event.taskId === 'review');
    const task = review !== undefined && 'task' in review ? review.task : undefined;
    expect(task?.timeoutMs).toBe(600_000);
    expect(task?.retry).toMatchObject({ max: 3 });
  });

  it('reads ensemble.config.yaml from the workspace, and its provider can be overridden', async () => {
    const folder = workspace();
    writeFileSync(join(folder, 'ensemble.config.yaml'), `provider: openai\nmodel: fast\nproviders:\n  openai: {apiKey: k-1234, baseURL: "${server.url}/v1"}\n`);
    const orchestrator = new AgentOrchestrator({ store: false, workspaceDir: folder });
    orchestrator.addTasks([{ id: 'plan', agentName: 'analyzer', prompt: 'Plan' }]);
    const invoked: string[] = [];
    orchestrator.on('agent:invoke', (event) => invoked.push(event.model));
    await orchestrator.execute();
    // The analyzer's own tier (sonnet) beats the configured default model.
    expect(invoked).toEqual(['openai:gpt-4.1']);

    const elsewhere = new AgentOrchestrator({ store: false, workspaceDir: folder, provider: 'anthropic' });
    elsewhere.addTasks([{ id: 'plan', agentName: 'analyzer' }]);
    await expect(elsewhere.execute()).rejects.toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED' });
    const unknown = new AgentOrchestrator({ store: false, workspaceDir: folder, provider: 'azure' });
    unknown.addTasks([{ id: 'plan', agentName: 'analyzer' }]);
    await expect(unknown.execute()).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringContaining('unknown provider "azure"') });
  });

  it('merges the config budget under the run budget field by field', async () => {
    const orchestrator = new AgentOrchestrator({
      store: false,
      workspaceDir: workspace(),
      ensembleConfig: openAiConfig({ budget: { run: { tokens: 1_000_000 }, agents: { 'backend-architect': { tokens: 10 } } } }),
      budget: { run: { costUsd: 100 } },
    });
    orchestrator.addTasks([
      { id: 'capped', agentName: 'backend-architect', prompt: 'Plan' },
      { id: 'free', agentName: 'analyzer', prompt: 'Plan' },
    ]);
    const outcome = await orchestrator.execute();
    expect(outcome.summary.budgetStops).toEqual([{ taskId: 'capped', cap: 'agent', name: 'backend-architect' }]);
    expect(outcome.results.find((result) => result.taskId === 'free')?.status).toBe('succeeded');
    expect(server.requests).toHaveLength(1);
  });

  it('counts what tasks finished before a resume spent against the caps of the resumed run', async () => {
    const folder = workspace();
    const db = join(folder, 'journal.db');
    const tasks = [
      { id: 'first', agentName: 'analyzer', prompt: 'Plan', maxTokens: 100 },
      { id: 'gate', agentName: 'flaky', dependencies: ['first'] },
      { id: 'last', agentName: 'analyzer', prompt: 'Plan', maxTokens: 100, dependencies: ['gate'] },
    ];
    // Learn what one analyzer call reserves, from the error of a 1-token cap (no call is made).
    const probe = new AgentOrchestrator({ store: false, workspaceDir: folder, ensembleConfig: openAiConfig({ budget: { agents: { analyzer: { tokens: 1 } } } }) });
    probe.addTasks([tasks[0]!]);
    const probed = await probe.execute();
    const reserved = (probed.results[0]!.error!.details as { requested: { tokens: number } }).requested.tokens;

    let gateRuns = 0;
    const flaky = { name: 'flaky', run: () => (++gateRuns === 1 ? Promise.reject(new Error('down')) : 'ok') };
    // Room for one analyzer call and a little more: `last` alone would fit, after `first`'s 42 tokens it does not.
    const config = () => openAiConfig({ budget: { agents: { analyzer: { tokens: reserved + 20 } } } });
    const firstRun = new AgentOrchestrator({ store: db, workspaceDir: folder, ensembleConfig: config() }).registerAgent(flaky);
    firstRun.addTasks(tasks);
    const failed = await firstRun.execute();
    expect(failed.results.map((result) => result.status)).toEqual(['succeeded', 'failed', 'skipped']);

    const resumed = await new AgentOrchestrator({ store: db, workspaceDir: folder, ensembleConfig: config() }).registerAgent(flaky).resume(failed.runId);
    expect(resumed.summary.budgetStops).toEqual([{ taskId: 'last', cap: 'agent', name: 'analyzer' }]);
    expect(server.requests).toHaveLength(1);
  });

  it('keeps llm agents simulated when no provider is configured', async () => {
    const orchestrator = new AgentOrchestrator({ store: false, workspaceDir: workspace(), simulatedLatencyMs: 0, ensembleConfig: { providers: {}, tiers: {}, costs: {} } });
    orchestrator.addTasks([{ id: 'plan', agentName: 'backend-architect', prompt: 'Plan' }]);
    const invoked: string[] = [];
    orchestrator.on('agent:invoke', (event) => invoked.push(event.runtime));
    await orchestrator.execute();
    expect(invoked).toEqual(['simulated']);
    expect(server.requests).toHaveLength(0);
  });
});
