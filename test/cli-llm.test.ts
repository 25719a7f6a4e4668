import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, parseNdjson, runCli } from './helpers/cli.js';
import { openAiChunk, startProviderServer } from './helpers/provider-servers.js';
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

describe('ensemble run with a model provider (CLI, provider protocol on loopback)', () => {
  it('runs feature on an Ollama server: llm runtime, streamed output, the real token counts and cost in the summary', async () => {
    const folder = makeTempDir();
    const { reply, reported } = countingReply();
    server.setDefault(reply);
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
    expect(server.requests.map((request) => request.url)).toEqual(Array(5).fill('/v1/chat/completions'));
    expect(server.requests.every((request) => (request.body as { model: string }).model === 'llama3.1:8b')).toBe(true);

    const outputs = ofType(events, 'task:output');
    expect(new Set(outputs.map((event) => event.taskId))).toEqual(new Set(['analyze', 'design', 'implement', 'test', 'review']));
    const completes = ofType(events, 'task:complete');
    for (const complete of completes) {
      const streamed = outputs.filter((event) => event.taskId === complete.taskId).map((event) => event.delta).join('');
      expect(streamed).toBe(complete.output);
      expect(String(complete.output)).toBe('## Answer\nfrom llama3.1:8b — done');
    }
    // Each task's dependency output reached the model.
    expect(JSON.stringify(server.requests[1]!.body)).toContain('### analyze (analyzer)');

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
    const result = await runCli(['run', 'feature', '--param', 'feature=x', '--db', join(folder, 'j.db')], {
      cwd: folder,
      env: { OPENAI_BASE_URL: `${server.url}/v1`, ENSEMBLE_MODEL: 'qwen2.5-coder' },
    });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain('simulated');
    expect(result.stdout).toMatch(/succeeded\s+5\/5 tasks succeeded/);
    // No price for a self-hosted model: cost $0, said once.
    expect(result.stderr).toBe(
      'ensemble: no price is known for openai-compatible:qwen2.5-coder; its cost counts as $0 (set costs["openai-compatible:qwen2.5-coder"] in ensemble.config.yaml)\n',
    );
  });

  it('--max-tokens stops every call that could cross the run cap before it is made, and the summary says which cap', async () => {
    const folder = makeTempDir();
    server.setDefault(countingReply().reply);
    const result = await runCli(['run', 'feature', '--param', 'feature=x', '--json', '--db', join(folder, 'j.db'), '--max-tokens', '1000'], {
      cwd: folder,
      env: { OLLAMA_BASE_URL: server.url },
    });
    expect(result.code).toBe(1);
    expect(server.requests).toHaveLength(0);
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
});
