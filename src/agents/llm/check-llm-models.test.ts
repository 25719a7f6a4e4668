import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openNoticeMemory } from '../../providers/index.js';
import { jsonReply, ollamaTagsReply, openAiModelsReply, openAiStreamReply, startProviderServer } from '../../../test/helpers/provider-servers.js';
import type { ProviderServer } from '../../../test/helpers/provider-servers.js';
import { rejection } from '../../../test/helpers/rejection.js';
import { createLlmRuntime } from './llm-runtime.js';
import type { LlmRuntimeOptions } from './llm-runtime.js';
import type { LlmModelUse } from './check-llm-models.js';

let server: ProviderServer;
beforeEach(async () => {
  server = await startProviderServer();
});
afterEach(async () => {
  await server.close();
});

const use = (taskId: string, reference: string, hasCostCap = false): LlmModelUse => ({ taskId, reference, hasCostCap });

function ollamaRuntime(extra: Partial<LlmRuntimeOptions> = {}, warnings: string[] = []) {
  return createLlmRuntime({ provider: 'ollama', providers: { ollama: { baseURL: server.url } }, onWarning: (message) => warnings.push(message), ...extra });
}

describe('LlmRuntime.prepare: the models of a run, checked before it starts', () => {
  it('issue 6: with only OLLAMA_BASE_URL, tiers the server lacks fall back to its only model, said once', async () => {
    // `feature` failed at step 2: `opus` maps to llama3.3:70b, which the server did not have.
    server.route('/api/tags', ollamaTagsReply(['llama3.2:1b']));
    const warnings: string[] = [];
    const runtime = ollamaRuntime({}, warnings);
    await runtime.prepare([use('analyze', 'sonnet'), use('design', 'opus'), use('review', 'best')]);
    expect(runtime.describeModel('opus')).toBe('ollama:llama3.2:1b');
    expect(runtime.describeModel('sonnet')).toBe('ollama:llama3.2:1b');
    expect(warnings).toEqual([
      'ollama does not serve "llama3.1:8b" (tier sonnet), "llama3.3:70b" (tier opus, best); using "llama3.2:1b", the only model it serves (set tiers.ollama.<tier> in ensemble.config.yaml to choose)',
    ]);
    expect(server.requests.map((request) => `${request.method} ${request.url}`)).toEqual(['GET /api/tags']);
    // The call goes to the model the server has.
    server.enqueue(openAiStreamReply({ model: 'llama3.2:1b', chunks: ['ok'], inputTokens: 3, outputTokens: 1 }));
    const { parseAgentDefinition } = await import('../registry/parse-agent-definition.js');
    const { taskSpecSchema } = await import('../../core/index.js');
    const agent = parseAgentDefinition('---\nname: designer\ndescription: d\n---\nDesign.\n', 'test');
    await runtime.run(
      { request: { runId: 'r', task: taskSpecSchema.parse({ id: 'design', agentName: 'designer' }), attempt: 1, executionId: 'r:design:1', inputs: [], permissions: 'edit', context: [] }, agent, workspaceDir: '.', model: 'opus' },
      new AbortController().signal,
    );
    expect((server.requests[1]!.body as { model: string }).model).toBe('llama3.2:1b');
  });

  it('falls back to the default model (ENSEMBLE_MODEL) when the server has it, whatever else it serves', async () => {
    server.route('/api/tags', ollamaTagsReply(['qwen2.5-coder:7b', 'mistral:latest']));
    const warnings: string[] = [];
    const runtime = ollamaRuntime({ model: 'mistral', tiers: { ollama: { opus: 'llama3.3:70b' } } }, warnings);
    await runtime.prepare([use('design', 'opus'), use('plain', 'sonnet')]);
    expect(runtime.describeModel('opus')).toBe('ollama:mistral');
    expect(warnings).toEqual([
      'ollama does not serve "llama3.3:70b" (tier opus); using "mistral", the default model (ENSEMBLE_MODEL) (set tiers.ollama.<tier> in ensemble.config.yaml to choose)',
    ]);
  });

  it('fails naming the missing model, what the server has and the fix when there is nothing to fall back to', async () => {
    server.route('/api/tags', ollamaTagsReply(['qwen2.5-coder:7b', 'llama3.2:1b']));
    const error = await rejection(ollamaRuntime().prepare([use('design', 'opus'), use('implement', 'opus'), use('plain', 'qwen2.5-coder:7b')]));
    expect(error.code).toBe('PROVIDER_NOT_CONFIGURED');
    expect(error.message).toBe(
      'ollama does not serve the model "llama3.3:70b" (tier opus) needed by tasks "design", "implement"; it serves: qwen2.5-coder:7b, llama3.2:1b. ' +
        'Set ENSEMBLE_MODEL=<one of them> or tiers.ollama.opus in ensemble.config.yaml, or pull it (ollama pull llama3.3:70b)',
    );
  });

  it('never swaps a model named explicitly, and reads an untagged name as :latest', async () => {
    server.route('/api/tags', ollamaTagsReply(['llama3.2:latest']));
    const runtime = ollamaRuntime();
    await runtime.prepare([use('a', 'llama3.2'), use('b', 'ollama:llama3.2:latest')]);
    const error = await rejection(runtime.prepare([use('c', 'llama3.1:70b')]));
    expect(error.message).toContain('ollama does not serve the model "llama3.1:70b" needed by task "c"; it serves: llama3.2:latest. Set ENSEMBLE_MODEL=<one of them>, or pull it');
  });

  it('asks an OpenAI-compatible server GET /v1/models with its key', async () => {
    server.route('/v1/models', openAiModelsReply(['Qwen/Qwen2.5-Coder-7B-Instruct']));
    const runtime = createLlmRuntime({
      provider: 'openai-compatible',
      providers: { 'openai-compatible': { baseURL: `${server.url}/v1`, apiKey: 'local-key' } },
      tiers: { 'openai-compatible': { sonnet: 'Qwen/Qwen2.5-Coder-32B-Instruct' } },
    });
    await runtime.prepare([use('a', 'sonnet')]);
    expect(runtime.describeModel('sonnet')).toBe('openai-compatible:Qwen/Qwen2.5-Coder-7B-Instruct');
    expect(server.requests[0]).toMatchObject({ method: 'GET', url: '/v1/models', headers: { authorization: 'Bearer local-key' } });
  });

  it('goes on without the check, saying so, when the server cannot list its models', async () => {
    server.route('/api/tags', jsonReply(404, { error: 'not found' }));
    const warnings: string[] = [];
    const runtime = ollamaRuntime({}, warnings);
    await runtime.prepare([use('a', 'opus')]);
    expect(runtime.describeModel('opus')).toBe('ollama:llama3.3:70b');
    expect(warnings).toEqual([`could not list the models ollama serves (${server.url}/api/tags answered HTTP 404); the run goes on without checking them`]);
    const url = server.url;
    await server.close();
    const unreachable = createLlmRuntime({ provider: 'ollama', providers: { ollama: { baseURL: url } }, onWarning: (message) => warnings.push(message), modelCheckTimeoutMs: 500 });
    await unreachable.prepare([use('a', 'opus')]);
    expect(warnings[1]).toMatch(/^could not list the models ollama serves \(http:\/\/127\.0\.0\.1:\d+\/api\/tags: .+\); the run goes on without checking them$/);
    server = await startProviderServer();
  });

  it('issue 6: under a dollar cap, a model without a price refuses to start, naming it and how to price it', async () => {
    // A dollar cap used to count such a model's calls as $0.
    const runtime = createLlmRuntime({ provider: 'openai-compatible', providers: { 'openai-compatible': { baseURL: 'http://127.0.0.1:9/v1' } }, model: 'qwen2.5-coder', modelCheckTimeoutMs: 200 });
    const error = await rejection(runtime.prepare([use('a', 'sonnet', true), use('b', 'sonnet', true)]));
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.message).toBe(
      'a dollar cap is set, but no price is known for openai-compatible:qwen2.5-coder (used by tasks "a", "b"): set costs: {"openai-compatible:qwen2.5-coder": {inputPerMillion: …, outputPerMillion: …}} in ensemble.config.yaml, or cap tokens instead of dollars',
    );
    // Token caps only, a priced model, or a free local one: fine.
    await runtime.prepare([use('a', 'sonnet', false)]);
    const priced = createLlmRuntime({
      provider: 'openai-compatible',
      providers: { 'openai-compatible': { baseURL: 'http://127.0.0.1:9/v1' } },
      model: 'qwen2.5-coder',
      costs: { 'openai-compatible:*': { inputPerMillion: 0.1, outputPerMillion: 0.2 } },
      modelCheckTimeoutMs: 200,
    });
    await priced.prepare([use('a', 'sonnet', true)]);
    server.route('/api/tags', ollamaTagsReply(['llama3.3:70b']));
    await ollamaRuntime().prepare([use('a', 'opus', true)]);
  });

  it('fails before the run for a provider a task names that is not configured', async () => {
    server.route('/api/tags', ollamaTagsReply(['llama3.3:70b']));
    const error = await rejection(ollamaRuntime().prepare([use('a', 'opus'), use('b', 'anthropic:opus')]));
    expect(error).toMatchObject({ code: 'PROVIDER_NOT_CONFIGURED', message: expect.stringContaining('provider "anthropic" is not configured (needed by task "b"): set ANTHROPIC_API_KEY') });
  });

  it('says "no price is known" once per model and machine, remembered in a notice file', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ensemble-notices-')), 'notices.json');
    const costsOf = (warnings: string[]) =>
      createLlmRuntime({ provider: 'openai', providers: { openai: { apiKey: 'k', baseURL: `${server.url}/v1` } }, onWarning: (message) => warnings.push(message), notices: openNoticeMemory(file) });
    server.setDefault(openAiStreamReply({ model: 'my-model', chunks: ['ok'], inputTokens: 3, outputTokens: 1 }));
    const { parseAgentDefinition } = await import('../registry/parse-agent-definition.js');
    const { taskSpecSchema } = await import('../../core/index.js');
    const agent = parseAgentDefinition('---\nname: a\ndescription: d\n---\nx\n', 'test');
    const run = (runtime: ReturnType<typeof costsOf>) =>
      runtime.run(
        { request: { runId: 'r', task: taskSpecSchema.parse({ id: 't', agentName: 'a' }), attempt: 1, executionId: 'r:t:1', inputs: [], permissions: 'edit', context: [] }, agent, workspaceDir: '.', model: 'my-model' },
        new AbortController().signal,
      );
    const first: string[] = [];
    await run(costsOf(first));
    const second: string[] = [];
    await run(costsOf(second));
    expect(first).toEqual(['no price is known for openai:my-model; its cost counts as $0 (set costs["openai:my-model"] in ensemble.config.yaml)']);
    expect(second).toEqual([]);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ notices: ['price:openai:my-model'] });
  });
});
