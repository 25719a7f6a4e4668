import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, parseNdjson, runCli } from './helpers/cli.js';
import { ollamaTagsReply, openAiChunk, openAiErrorReply, openAiModelsReply, startProviderServer } from './helpers/provider-servers.js';
import type { ProviderServer, Reply } from './helpers/provider-servers.js';

const API_KEY = 'sk-test-SECRET123';

/**
 * An OpenAI-protocol server whose n-th answer reports 100·n input and 10·n output tokens and
 * streams its text in three chunks 120 ms apart (so partial output shows up as task:output).
 */
function countingReply(): { reply: Reply; reported: { inputTokens: number; outputTokens: number }[] } {
  const reported: { inputTokens: number; outputTokens: number }[] = [];
  const reply: Reply = async (request, response) => {
    const body = request.body as { model: string };
    const usage = { inputTokens: 100 * (reported.length + 1), outputTokens: 10 * (reported.length + 1) };
    reported.push(usage);
    response.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const text of ['## Answer\n', `from ${body.model}`, ' — done']) {
      response.write(openAiChunk(body.model, { content: text }, null));
      await new Promise((resolve) => setTimeout(resolve, 120));
    }
    response.write(openAiChunk(body.model, {}, 'stop'));
    response.write(
      `data: ${JSON.stringify({
        id: 'chatcmpl-test',
        object: 'chat.completion.chunk',
        created: 1_700_000_000,
        model: body.model,
        choices: [],
        usage: { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens },
      })}\n\n`,
    );
    response.end('data: [DONE]\n\n');
  };
  return { reply, reported };
}

let server: ProviderServer;
beforeEach(async () => {
  server = await startProviderServer();
});
afterEach(async () => {
  await server.close();
});

type Event = Record<string, unknown>;
const ofType = (events: Event[], type: string) => events.filter((event) => event.type === type);
const modelCalls = () => server.requests.filter((request) => request.url === '/v1/chat/completions');

describe('ensemble run with a model provider (CLI, provider protocol on loopback)', () => {
  it('runs feature on an Ollama server: llm runtime, streamed output, the real token counts and cost in the summary', async () => {
    const folder = makeTempDir();
    const { reply, reported } = countingReply();
    server.setDefault(reply);
    server.route('/api/tags', ollamaTagsReply(['llama3.1:8b']));
    writeFileSync(join(folder, 'ensemble.config.yaml'), 'costs:\n  "ollama:llama3.1:8b": {inputPerMillion: 2, outputPerMillion: 10}\n');
    const result = await runCli(['run', 'feature', '--param', 'feature=user login', '--json', '--db', join(folder, 'j.db')], {
      cwd: folder,
      env: { OLLAMA_BASE_URL: server.url, ENSEMBLE_MODEL: 'llama3.1:8b' },
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    const invokes = ofType(events, 'agent:invoke');
    expect(invokes).toHaveLength(5);
    for (const invoke of invokes) expect(invoke).toMatchObject({ runtime: 'llm', model: 'ollama:llama3.1:8b' });
    // One look at the models the server has, before the run; then one call per task.
    expect(server.requests.map((request) => request.url)).toEqual(['/api/tags', ...Array(5).fill('/v1/chat/completions')]);
    expect(modelCalls().every((request) => (request.body as { model: string }).model === 'llama3.1:8b')).toBe(true);

    const outputs = ofType(events, 'task:output');
    expect(new Set(outputs.map((event) => event.taskId))).toEqual(new Set(['analyze', 'design', 'implement', 'test', 'review']));
    const completes = ofType(events, 'task:complete');
    for (const complete of completes) {
      const streamed = outputs.filter((event) => event.taskId === complete.taskId).map((event) => event.delta).join('');
      expect(streamed).toBe(complete.output);
      expect(String(complete.output)).toBe('## Answer\nfrom llama3.1:8b — done');
    }
    // Each task's dependency output reached the model.
    expect(JSON.stringify(modelCalls()[1]!.body)).toContain('### analyze (analyzer)');

    const totalTokens = reported.reduce((sum, usage) => sum + usage.inputTokens + usage.outputTokens, 0);
    const totalCost = reported.reduce((sum, usage) => sum + (usage.inputTokens * 2 + usage.outputTokens * 10) / 1_000_000, 0);
    const summary = events.at(-1)!.summary as { totalTokens: number; totalCost: number };
    expect(events.at(-1)).toMatchObject({ type: 'workflow:complete', status: 'succeeded' });
    expect(summary.totalTokens).toBe(totalTokens);
    expect(summary.totalCost).toBeGreaterThan(0);
    expect(summary.totalCost).toBeCloseTo(totalCost, 10);
  });

  it('runs on OpenAI configured in ensemble.config.yaml: prices from the cost table, the key nowhere in output or journal', async () => {
    const folder = makeTempDir();
    const { reply, reported } = countingReply();
    server.setDefault(reply);
    writeFileSync(
      join(folder, 'ensemble.config.yaml'),
      `provider: openai\nproviders:\n  openai: {apiKey: ${API_KEY}, baseURL: ${server.url}/v1}\n`,
    );
    const db = join(folder, 'j.db');
    const result = await runCli(['run', 'feature', '--param', 'feature=search', '--json', '--db', db, '--model', 'balanced'], { cwd: folder });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    expect(ofType(events, 'agent:invoke').every((event) => event.runtime === 'llm' && event.model === 'openai:gpt-4.1')).toBe(true);
    expect(server.requests.every((request) => request.headers.authorization === `Bearer ${API_KEY}`)).toBe(true);
    const summary = events.at(-1)!.summary as { totalTokens: number; totalCost: number };
    const inputTokens = reported.reduce((sum, usage) => sum + usage.inputTokens, 0);
    const outputTokens = reported.reduce((sum, usage) => sum + usage.outputTokens, 0);
    expect(summary.totalTokens).toBe(inputTokens + outputTokens);
    expect(summary.totalCost).toBeCloseTo((inputTokens * 2 + outputTokens * 8) / 1_000_000, 10);
    expect(result.stdout).not.toContain(API_KEY);
    for (const file of [db, `${db}-wal`]) if (existsSync(file)) expect(readFileSync(file).includes(API_KEY)).toBe(false);
  });

  it('does not print the simulated notice when a provider is configured', async () => {
    const folder = makeTempDir();
    server.setDefault(countingReply().reply);
    server.route('/v1/models', openAiModelsReply(['qwen2.5-coder']));
    const run = () =>
      runCli(['run', 'feature', '--param', 'feature=x', '--db', join(folder, 'j.db')], {
        cwd: folder,
        env: { OPENAI_BASE_URL: `${server.url}/v1`, ENSEMBLE_MODEL: 'qwen2.5-coder' },
      });
    const result = await run();
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('simulated');
    expect(result.stdout).toMatch(/succeeded\s+5\/5 tasks succeeded/);
    // No price for a self-hosted model: cost $0, said once.
    expect(result.stderr).toBe(
      'ensemble: no price is known for openai-compatible:qwen2.5-coder; its cost counts as $0 (set costs["openai-compatible:qwen2.5-coder"] in ensemble.config.yaml)\n',
    );
    // Issue 6: said once per model and machine, not on every run.
    const again = await run();
    expect(again.code).toBe(0);
    expect(again.stderr).toBe('');
  });

  it('--max-tokens stops every call that could cross the run cap before it is made, and the summary says which cap', async () => {
    const folder = makeTempDir();
    server.setDefault(countingReply().reply);
    server.route('/api/tags', ollamaTagsReply(['llama3.1:8b', 'llama3.3:70b', 'llama3.2:3b']));
    const result = await runCli(['run', 'feature', '--param', 'feature=x', '--json', '--db', join(folder, 'j.db'), '--max-tokens', '1000'], {
      cwd: folder,
      env: { OLLAMA_BASE_URL: server.url },
    });
    expect(result.code).toBe(1);
    expect(modelCalls()).toHaveLength(0);
    const events = parseNdjson(result.stdout);
    const error = ofType(events, 'task:error')[0]!;
    expect(error).toMatchObject({ taskId: 'analyze', error: { code: 'BUDGET_EXCEEDED' } });
    expect(events.at(-1)!.summary).toMatchObject({ budgetStops: [{ taskId: 'analyze', cap: 'run', name: 'run' }] });
  });

  it('rejects bad --max-tokens, --max-cost and --provider values and a bad config file with exit code 2, before anything runs', async () => {
    const folder = makeTempDir();
    const db = join(folder, 'j.db');
    const cases: [string[], string][] = [
      [['--max-tokens', '0'], '--max-tokens: expected an integer'],
      [['--max-cost', 'ten'], '--max-cost: expected a positive amount of dollars'],
      [['--max-cost', '-1'], '--max-cost: expected a positive amount of dollars'],
      [['--provider', 'openia'], '--provider: expected one of anthropic, openai, google, ollama, openai-compatible, got "openia"'],
      [['--provider', 'anthropic'], 'provider "anthropic" is not configured: set ANTHROPIC_API_KEY'],
    ];
    for (const [flags, message] of cases) {
      const result = await runCli(['run', 'feature', '--param', 'feature=x', '--db', db, ...flags], { cwd: folder });
      expect(result.code, flags.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
    }
    writeFileSync(join(folder, 'ensemble.config.yaml'), 'providers:\n  openai: {apiKye: x}\n');
    const result = await runCli(['run', 'feature', '--param', 'feature=x', '--db', db], { cwd: folder });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error [INVALID_CONFIG]: ensemble.config.yaml: providers.openai: unknown field "apiKye"');
    expect(existsSync(db)).toBe(false);
  });
  it('issue 6: with only OLLAMA_BASE_URL, runs feature on the one model the server has, and says so once', async () => {
    // `opus` maps to llama3.3:70b: `feature` failed at step 2 on a server that did not have it.
    const folder = makeTempDir();
    server.setDefault(countingReply().reply);
    server.route('/api/tags', ollamaTagsReply(['llama3.2:1b']));
    const result = await runCli(['run', 'feature', '--param', 'feature=login', '--json', '--db', join(folder, 'j.db')], { cwd: folder, env: { OLLAMA_BASE_URL: server.url } });
    expect(result.code).toBe(0);
    expect(modelCalls()).toHaveLength(5);
    expect(modelCalls().every((request) => (request.body as { model: string }).model === 'llama3.2:1b')).toBe(true);
    const invokes = ofType(parseNdjson(result.stdout), 'agent:invoke');
    expect(invokes.every((event) => event.model === 'ollama:llama3.2:1b')).toBe(true);
    expect(result.stderr.match(/does not serve/g)).toHaveLength(1);
    expect(result.stderr).toContain('using "llama3.2:1b", the only model it serves');
  });

  it('issue 6: exits 2 before anything runs when a tier model is missing and there is nothing to fall back to, naming the fix', async () => {
    const folder = makeTempDir();
    server.setDefault(countingReply().reply);
    server.route('/api/tags', ollamaTagsReply(['qwen2.5-coder:7b', 'llama3.2:1b']));
    const result = await runCli(['run', 'feature', '--param', 'feature=login', '--db', join(folder, 'j.db')], { cwd: folder, env: { OLLAMA_BASE_URL: server.url } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error [PROVIDER_NOT_CONFIGURED]: ollama does not serve the model "llama3.1:8b" (tier sonnet)');
    expect(result.stderr).toContain('it serves: qwen2.5-coder:7b, llama3.2:1b. Set ENSEMBLE_MODEL=<one of them> or tiers.ollama.sonnet in ensemble.config.yaml');
    expect(modelCalls()).toHaveLength(0);
  });

  it('issue 6: --max-cost with a model of unknown price exits 2 naming the model and how to price it', async () => {
    const folder = makeTempDir();
    server.setDefault(countingReply().reply);
    server.route('/v1/models', openAiModelsReply(['qwen2.5-coder']));
    const result = await runCli(['run', 'feature', '--param', 'feature=x', '--db', join(folder, 'j.db'), '--max-cost', '0.10'], {
      cwd: folder,
      env: { OPENAI_BASE_URL: `${server.url}/v1`, ENSEMBLE_MODEL: 'qwen2.5-coder' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error [INVALID_CONFIG]: a dollar cap is set, but no price is known for openai-compatible:qwen2.5-coder');
    expect(result.stderr).toContain('set costs: {"openai-compatible:qwen2.5-coder": {inputPerMillion: …, outputPerMillion: …}} in ensemble.config.yaml');
    expect(modelCalls()).toHaveLength(0);
  });

  it('issue 6: --max-tokens holds on the simulated runtime too (1500 used 5,113)', async () => {
    const folder = makeTempDir();
    const result = await runCli(['run', 'feature', '--param', 'feature=user login', '--json', '--db', join(folder, 'j.db'), '--max-tokens', '1500'], { cwd: folder });
    expect(result.code).toBe(1);
    const events = parseNdjson(result.stdout);
    const summary = events.at(-1)!.summary as { totalTokens: number; budgetStops: unknown[] };
    expect(summary.totalTokens).toBeGreaterThan(0);
    expect(summary.totalTokens).toBeLessThanOrEqual(1500);
    expect(summary.budgetStops).toEqual([expect.objectContaining({ cap: 'run' })]);
    expect(ofType(events, 'task:error')[0]).toMatchObject({ error: { code: 'BUDGET_EXCEEDED' } });
  });

  it('issue 6: --json shows why nothing moves: a 429 is a provider:pause on the task, then its retry succeeds', async () => {
    const folder = makeTempDir();
    server.enqueue(openAiErrorReply(429, 'Rate limit reached', { 'retry-after': '1' }));
    server.setDefault(countingReply().reply);
    server.route('/v1/models', openAiModelsReply(['qwen2.5-coder']));
    const result = await runCli(['run', 'feature', '--param', 'feature=x', '--json', '--db', join(folder, 'j.db')], {
      cwd: folder,
      env: { OPENAI_BASE_URL: `${server.url}/v1`, ENSEMBLE_MODEL: 'qwen2.5-coder' },
    });
    expect(result.code).toBe(0);
    const events = parseNdjson(result.stdout);
    expect(ofType(events, 'provider:pause')).toEqual([
      expect.objectContaining({ taskId: 'analyze', provider: 'openai-compatible', reason: 'rate-limited', waitMs: 1000, error: expect.objectContaining({ code: 'PROVIDER_RATE_LIMITED' }) }),
    ]);
    expect(ofType(events, 'task:retry')).toEqual([expect.objectContaining({ taskId: 'analyze', error: expect.objectContaining({ code: 'PROVIDER_RATE_LIMITED' }) })]);
    expect(modelCalls()).toHaveLength(6);
  });
});
