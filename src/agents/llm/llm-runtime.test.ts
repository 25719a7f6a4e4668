import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BudgetLedger, EnsembleError, serializeError, taskSpecSchema } from '../../core/index.js';
import type { DependencyOutput, TaskInput } from '../../core/index.js';
import type { ProviderName, ProviderSettings } from '../../config/index.js';
import { recordingDispatchContext } from '../../../test/helpers/dispatch-context.js';
import {
  anthropicBlockStart,
  anthropicDelta,
  anthropicErrorReply,
  anthropicStart,
  anthropicStreamReply,
  googleChunk,
  googleErrorReply,
  googleStreamReply,
  malformedStreamReply,
  openAiChunk,
  openAiErrorReply,
  openAiStreamReply,
  stalledReply,
  startProviderServer,
} from '../../../test/helpers/provider-servers.js';
import type { ProviderServer, Reply, StreamScript } from '../../../test/helpers/provider-servers.js';
import { rejection } from '../../../test/helpers/rejection.js';
import type { AgentInvocation } from '../agent-runtime.js';
import { AgentRegistry } from '../registry/agent-registry.js';
import { LocalDispatcher } from '../local-dispatcher.js';
import { createLlmRuntime, DEFAULT_MAX_OUTPUT_TOKENS } from './llm-runtime.js';
import { createProviderGovernor } from '../../providers/provider-governor.js';
import type { LlmRuntimeOptions } from './llm-runtime.js';
import { parseAgentDefinition } from '../registry/parse-agent-definition.js';
import type { ProviderGate } from '../../providers/provider-gate.js';

const API_KEY = 'sk-test-SECRET123';

/** Polls a condition of a loopback exchange; bounded. */
async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const agent = parseAgentDefinition(
  '---\nname: backend-architect\ndescription: Designs services\ncategory: development\n---\nYou design backend services. Answer in Markdown.\n',
  'test',
);

function invocation(overrides: { task?: Partial<TaskInput>; inputs?: DependencyOutput[]; model?: string } & Partial<AgentInvocation> = {}): AgentInvocation {
  const { task, inputs, model, ...rest } = overrides;
  return {
    request: {
      runId: 'run-test',
      task: taskSpecSchema.parse({ id: 'design', agentName: 'backend-architect', prompt: 'Design a todo API', maxTokens: 300, ...task }),
      attempt: 1,
      executionId: 'run-test:design:1',
      inputs: inputs ?? [{ taskId: 'analyze', agentName: 'analyzer', output: 'The todo service needs CRUD.' }],
      context: [],
      permissions: 'edit',
    },
    agent,
    workspaceDir: process.cwd(),
    model: model ?? 'sonnet',
    ...rest,
  };
}

interface Protocol {
  readonly provider: ProviderName;
  readonly hasKey: boolean;
  readonly modelId: string;
  settings(url: string): ProviderSettings;
  /** Path (and query) the model call is sent to. */
  readonly path: string;
  stream(script: StreamScript): Reply;
  error(status: number, message: string, headers?: Record<string, string>): Reply;
  /** The first chunk of a stream that then stalls. */
  firstChunk(model: string): string;
  /** Where the request carries the key. */
  keyHeader?: string;
  /** The output limit the request body carries. */
  outputLimit(body: unknown): unknown;
}

const protocols: Protocol[] = [
  {
    provider: 'openai',
    hasKey: true,
    modelId: 'gpt-4.1',
    settings: (url) => ({ apiKey: API_KEY, baseURL: `${url}/v1` }),
    path: '/v1/chat/completions',
    stream: openAiStreamReply,
    error: openAiErrorReply,
    firstChunk: (model) => openAiChunk(model, { role: 'assistant', content: 'Partial ' }, null),
    keyHeader: 'authorization',
    outputLimit: (body) => (body as { max_tokens?: unknown }).max_tokens,
  },
  {
    provider: 'anthropic',
    hasKey: true,
    modelId: 'claude-sonnet-4-5',
    settings: (url) => ({ apiKey: API_KEY, baseURL: `${url}/v1` }),
    path: '/v1/messages',
    stream: anthropicStreamReply,
    error: anthropicErrorReply,
    firstChunk: (model) => anthropicStart(model, 10) + anthropicBlockStart() + anthropicDelta('Partial '),
    keyHeader: 'x-api-key',
    outputLimit: (body) => (body as { max_tokens?: unknown }).max_tokens,
  },
  {
    provider: 'google',
    hasKey: true,
    modelId: 'gemini-2.5-flash',
    settings: (url) => ({ apiKey: API_KEY, baseURL: `${url}/v1beta` }),
    path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    stream: googleStreamReply,
    error: googleErrorReply,
    firstChunk: (model) => googleChunk('Partial ', undefined, 10, 1, model),
    keyHeader: 'x-goog-api-key',
    outputLimit: (body) => (body as { generationConfig?: { maxOutputTokens?: unknown } }).generationConfig?.maxOutputTokens,
  },
  {
    provider: 'ollama',
    hasKey: false,
    modelId: 'llama3.1:8b',
    settings: (url) => ({ baseURL: url }),
    path: '/v1/chat/completions',
    stream: openAiStreamReply,
    error: openAiErrorReply,
    firstChunk: (model) => openAiChunk(model, { role: 'assistant', content: 'Partial ' }, null),
    outputLimit: (body) => (body as { max_tokens?: unknown }).max_tokens,
  },
  {
    provider: 'openai-compatible',
    hasKey: true,
    modelId: 'qwen2.5-coder',
    settings: (url) => ({ apiKey: API_KEY, baseURL: `${url}/v1` }),
    path: '/v1/chat/completions',
    stream: openAiStreamReply,
    error: openAiErrorReply,
    firstChunk: (model) => openAiChunk(model, { role: 'assistant', content: 'Partial ' }, null),
    keyHeader: 'authorization',
    outputLimit: (body) => (body as { max_tokens?: unknown }).max_tokens,
  },
];

let server: ProviderServer;
beforeEach(async () => {
  server = await startProviderServer();
});
afterEach(async () => {
  await server.close();
});

function runtimeFor(protocol: Protocol, extra: Partial<LlmRuntimeOptions> = {}) {
  return createLlmRuntime({
    provider: protocol.provider,
    providers: { [protocol.provider]: protocol.settings(server.url) },
    model: protocol.modelId,
    outputIntervalMs: 0,
    ...extra,
  });
}

describe.each(protocols)('llm runtime over the $provider protocol (local HTTP server)', (protocol) => {
  it('streams the answer into task:output deltas and returns the usage the provider reported', async () => {
    server.enqueue(protocol.stream({ model: protocol.modelId, chunks: ['## API\n', 'GET /todos', ' and POST /todos'], inputTokens: 42, outputTokens: 17 }));
    const deltas: string[] = [];
    const runtime = runtimeFor(protocol);
    const outcome = await runtime.run(invocation({ model: protocol.modelId, reportOutput: (delta) => deltas.push(delta) }), new AbortController().signal);
    expect(outcome.output).toBe('## API\nGET /todos and POST /todos');
    expect(deltas.join('')).toBe(outcome.output);
    expect(outcome.usage).toEqual({ inputTokens: 42, outputTokens: 17, totalTokens: 59 });
    expect(outcome.model).toBe(`${protocol.provider}:${protocol.modelId}`);
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request.url).toBe(protocol.path);
    const body = JSON.stringify(request.body);
    expect(body).toContain('You design backend services.');
    expect(body).toContain('Design a todo API');
    expect(body).toContain('### analyze (analyzer)');
    expect(body).toContain('The todo service needs CRUD.');
    expect(protocol.outputLimit(request.body)).toBe(300);
    if (protocol.keyHeader !== undefined) expect(String(request.headers[protocol.keyHeader])).toContain(API_KEY);
    if (protocol.path.endsWith('/chat/completions')) {
      expect(request.body).toMatchObject({ model: protocol.modelId, stream: true, stream_options: { include_usage: true } });
    }
  });

  it('issue 6: sends the reserved output limit (4096) when the task sets no maxTokens', async () => {
    // Without it, Anthropic was asked for 64,000 output tokens while 4,096 were reserved against the budget.
    server.enqueue(protocol.stream({ model: protocol.modelId, chunks: ['ok'], inputTokens: 5, outputTokens: 1 }));
    await runtimeFor(protocol).run(invocation({ model: protocol.modelId, task: { maxTokens: undefined } }), new AbortController().signal);
    expect(DEFAULT_MAX_OUTPUT_TOKENS).toBe(4096);
    expect(protocol.outputLimit(server.requests[0]!.body)).toBe(4096);
  });

  it('issue 6: fails a stream silent for streamIdleTimeoutMs with a retryable error, and counts the prompt and the partial answer', async () => {
    server.enqueue(stalledReply(protocol.firstChunk(protocol.modelId)));
    const context = recordingDispatchContext();
    const startedAt = Date.now();
    const error = await rejection(
      runtimeFor(protocol, { streamIdleTimeoutMs: 300 }).run(invocation({ model: protocol.modelId, reportUsage: context.reportUsage }), new AbortController().signal),
    );
    expect(Date.now() - startedAt).toBeLessThan(5000);
    expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', retryable: true, details: { idleTimeoutMs: 300 } });
    expect(error.message).toBe(`${protocol.provider} model "${protocol.modelId}": the stream stalled: nothing received for 300 ms (providerPolicy.streamIdleTimeoutMs)`);
    expect(context.recorded.usage).toHaveLength(1);
    expect(context.recorded.usage[0]!.usage.inputTokens).toBeGreaterThan(0);
    expect(context.recorded.usage[0]!.usage.outputTokens).toBeGreaterThan(0);
    await server.waitForAbandonedResponse();
  });

  it('turns a 429 with retry-after (seconds) into PROVIDER_RATE_LIMITED with retryAfterMs', async () => {
    server.enqueue(protocol.error(429, 'Rate limit reached', { 'retry-after': '2' }));
    const error = await rejection(runtimeFor(protocol).run(invocation({ model: protocol.modelId }), new AbortController().signal));
    expect(error.code).toBe('PROVIDER_RATE_LIMITED');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(2000);
    expect(error.message).toContain(protocol.provider);
    expect(error.message).toContain(protocol.modelId);
    expect(error.message).toContain('429');
  });

  it('turns a 500 into PROVIDER_UNAVAILABLE (retryable)', async () => {
    server.enqueue(protocol.error(500, 'The server had an error'));
    const error = await rejection(runtimeFor(protocol).run(invocation({ model: protocol.modelId }), new AbortController().signal));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(new RegExp(`${protocol.provider} model "${protocol.modelId.replace(/[.]/g, '\\.')}".*HTTP 500`));
  });

  it('turns a malformed body into PROVIDER_ERROR (not retryable) that says so', async () => {
    server.enqueue(malformedStreamReply());
    const error = await rejection(runtimeFor(protocol).run(invocation({ model: protocol.modelId }), new AbortController().signal));
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(protocol.modelId);
    expect(error.message).toMatch(/malformed/);
  });

  it('cuts a stalled stream when the signal aborts, rejecting with the abort reason and closing the connection', async () => {
    server.enqueue(stalledReply(protocol.firstChunk(protocol.modelId)));
    const controller = new AbortController();
    const deltas: string[] = [];
    let firstDelta: () => void = () => {};
    const gotFirstDelta = new Promise<void>((resolve) => (firstDelta = resolve));
    const running = runtimeFor(protocol).run(
      invocation({
        model: protocol.modelId,
        reportOutput: (delta) => {
          deltas.push(delta);
          firstDelta();
        },
      }),
      controller.signal,
    );
    await gotFirstDelta;
    const reason = new EnsembleError('TASK_TIMEOUT', 'task "design" timed out after 200 ms', { retryable: true });
    const startedAt = Date.now();
    controller.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(deltas).toEqual(['Partial ']);
    await server.waitForAbandonedResponse();
  });

  it.runIf(protocol.hasKey)('never puts the API key in an error message, even when the provider echoes it', async () => {
    server.enqueue(protocol.error(401, `Incorrect API key provided: ${API_KEY}. You can find your key in the console.`));
    server.enqueue(protocol.error(429, `Key ${API_KEY} is over its rate limit`, { 'retry-after-ms': '1500' }));
    server.enqueue(protocol.error(503, `overloaded for ${API_KEY}`));
    const runtime = runtimeFor(protocol);
    const errors = [
      await rejection(runtime.run(invocation({ model: protocol.modelId }), new AbortController().signal)),
      await rejection(runtime.run(invocation({ model: protocol.modelId }), new AbortController().signal)),
      await rejection(runtime.run(invocation({ model: protocol.modelId }), new AbortController().signal)),
    ];
    expect(errors.map((error) => error.code)).toEqual(['PROVIDER_ERROR', 'PROVIDER_RATE_LIMITED', 'PROVIDER_UNAVAILABLE']);
    expect(errors[1]!.retryAfterMs).toBe(1500);
    for (const error of errors) {
      expect(error.message).not.toContain(API_KEY);
      expect(error.message).toContain('[redacted]');
      expect(JSON.stringify(serializeError(error))).not.toContain(API_KEY);
      expect(String((error.cause as Error | undefined)?.message ?? '')).not.toContain(API_KEY);
    }
  });
});

describe('llm runtime: budgets, the provider gate, models and costs', () => {
  const openai = protocols[0]!;
  const script: StreamScript = { model: 'gpt-4.1', chunks: ['done'], inputTokens: 1000, outputTokens: 500 };

  it('prices the reported usage with the cost table (gpt-4.1: $2 / $8 per million)', async () => {
    server.enqueue(openAiStreamReply(script));
    const outcome = await runtimeFor(openai).run(invocation({ model: 'sonnet' }), new AbortController().signal);
    expect(outcome.model).toBe('openai:gpt-4.1');
    expect(outcome.costUsd).toBeCloseTo((1000 * 2 + 500 * 8) / 1_000_000, 10);
  });

  it('uses config price overrides, and warns once about a model without a price (cost 0)', async () => {
    server.setDefault(openAiStreamReply({ ...script, model: 'my-model' }));
    const warnings: string[] = [];
    const runtime = runtimeFor(openai, { costs: { 'openai:priced': { inputPerMillion: 1, outputPerMillion: 1 } }, onWarning: (message) => warnings.push(message) });
    const priced = await runtime.run(invocation({ model: 'priced' }), new AbortController().signal);
    expect(priced.costUsd).toBeCloseTo(1500 / 1_000_000, 10);
    const first = await runtime.run(invocation({ model: 'my-model' }), new AbortController().signal);
    await runtime.run(invocation({ model: 'my-model' }), new AbortController().signal);
    expect(first.costUsd).toBe(0);
    expect(warnings).toEqual(['no price is known for openai:my-model; its cost counts as $0 (set costs["openai:my-model"] in ensemble.config.yaml)']);
  });

  it('refuses a call that would cross a budget cap before any request is made', async () => {
    const budget = new BudgetLedger({ run: { tokens: 200 } });
    const error = await rejection(runtimeFor(openai).run(invocation({ budget }), new AbortController().signal));
    expect(error.code).toBe('BUDGET_EXCEEDED');
    expect(error.retryable).toBe(false);
    expect(server.requests).toHaveLength(0);
    expect(await budget.spent('run')).toEqual({ tokens: 0, costUsd: 0 });
  });

  it('commits the real usage to the budget after the call; a call the provider refused (HTTP 400) spends nothing', async () => {
    server.enqueue(openAiStreamReply(script), openAiErrorReply(400, 'bad request'));
    const budget = new BudgetLedger({ run: { tokens: 100_000 } });
    const runtime = runtimeFor(openai);
    await runtime.run(invocation({ budget }), new AbortController().signal);
    expect((await budget.spent('run')).tokens).toBe(1500);
    expect((await budget.spent('agent', 'backend-architect')).costUsd).toBeCloseTo(0.006, 10);
    await rejection(runtime.run(invocation({ budget }), new AbortController().signal));
    expect((await budget.spent('run')).tokens).toBe(1500);
    expect(budget.held('run').tokens).toBe(0);
  });

  it('issue 6: reports the spend of each call through reportUsage, success and failure alike, and leaves it out of the outcome', async () => {
    const brokenMidStream: Reply = (_request, response) => {
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write(openai.firstChunk('gpt-4.1'), () => setTimeout(() => response.destroy(), 50));
    };
    server.enqueue(openAiStreamReply(script), brokenMidStream, openAiErrorReply(503, 'busy'));
    const budget = new BudgetLedger({ run: { tokens: 100_000 } });
    const runtime = runtimeFor(openai);
    const context = recordingDispatchContext();
    const reported = { reportUsage: context.reportUsage, budget };
    const outcome = await runtime.run(invocation(reported), new AbortController().signal);
    expect(outcome.usage).toBeUndefined();
    expect(outcome.costUsd).toBeUndefined();
    expect(context.recorded.usage).toEqual([{ usage: { inputTokens: 1000, outputTokens: 500, totalTokens: 1500 }, costUsd: expect.closeTo(0.006, 10) }]);
    // A stream that broke after the request went out: the prompt and the partial answer count (estimated).
    const broken = await rejection(runtime.run(invocation(reported), new AbortController().signal));
    expect(broken.code).toBe('PROVIDER_UNAVAILABLE');
    expect(context.recorded.usage).toHaveLength(2);
    const estimate = context.recorded.usage[1]!.usage;
    expect(estimate.inputTokens).toBeGreaterThan(0);
    expect(estimate.outputTokens).toBeGreaterThan(0);
    expect((await budget.spent('run')).tokens).toBe(1500 + estimate.totalTokens);
    // A 503 answer is not billed: nothing reported, the hold released.
    await rejection(runtime.run(invocation(reported), new AbortController().signal));
    expect(context.recorded.usage).toHaveLength(2);
    expect(budget.held('run').tokens).toBe(0);
  });

  it('counts the spend of a call aborted mid-stream (prompt + streamed text) against the budget', async () => {
    server.enqueue(stalledReply(openai.firstChunk('gpt-4.1')));
    const budget = new BudgetLedger({ run: { tokens: 100_000 } });
    const context = recordingDispatchContext();
    const controller = new AbortController();
    const running = runtimeFor(openai).run(
      invocation({ budget, reportUsage: context.reportUsage, reportOutput: () => controller.abort(new EnsembleError('TASK_TIMEOUT', 'timed out', { retryable: true })) }),
      controller.signal,
    );
    await expect(running).rejects.toMatchObject({ code: 'TASK_TIMEOUT' });
    expect(context.recorded.usage).toHaveLength(1);
    expect((await budget.spent('run')).tokens).toBe(context.recorded.usage[0]!.usage.totalTokens);
    expect(context.recorded.usage[0]!.usage.outputTokens).toBeGreaterThan(0);
  });

  it('issue 6: a call that fits the cap but not beside another call\'s hold waits for it, then runs', async () => {
    // Held reservations counted as spending: the third concurrent call failed with "spent so far: 8400" while 600 were spent.
    let releaseFirst: () => void = () => {};
    const firstCanFinish = new Promise<void>((resolve) => (releaseFirst = resolve));
    server.enqueue(async (request, response) => {
      await firstCanFinish;
      openAiStreamReply({ ...script, inputTokens: 100, outputTokens: 50 })(request, response);
    }, openAiStreamReply({ ...script, inputTokens: 100, outputTokens: 50 }));
    const probe = await rejection(runtimeFor(openai).run(invocation({ budget: new BudgetLedger({ run: { tokens: 1 } }) }), new AbortController().signal));
    const reserved = (probe.details as { requested: { tokens: number } }).requested.tokens;
    const budget = new BudgetLedger({ run: { tokens: reserved + 200 } });
    const runtime = runtimeFor(openai);
    const first = runtime.run(invocation({ budget }), new AbortController().signal);
    await waitUntil(() => server.requests.length === 1);
    const second = runtime.run(invocation({ budget, task: { id: 'second' } }), new AbortController().signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.requests).toHaveLength(1);
    expect(budget.waiting).toBe(1);
    releaseFirst();
    await expect(Promise.all([first, second])).resolves.toHaveLength(2);
    expect(server.requests).toHaveLength(2);
    expect((await budget.spent('run')).tokens).toBe(300);
  });

  it('sends every call through the provider gate once, relaying its waits and breaker changes as activity events', async () => {
    server.enqueue(openAiStreamReply(script));
    const seen: { provider: string; calls: number } = { provider: '', calls: 0 };
    const gate: ProviderGate = {
      async run(provider, signal, call, options) {
        seen.provider = provider;
        seen.calls++;
        const resume = options?.suspendTimeout?.();
        options?.onPause?.({ reason: 'rate-limited', waitMs: 1200.4, error: new EnsembleError('PROVIDER_RATE_LIMITED', 'openai: 429', { retryable: true }) });
        options?.onCircuit?.({ state: 'open', failures: 5 });
        resume?.();
        return call(signal);
      },
    };
    const context = recordingDispatchContext();
    let suspended = 0;
    const outcome = await runtimeFor(openai).run(
      invocation({ gate, reportEvent: context.reportEvent, suspendTimeout: () => (suspended++, () => undefined) }),
      new AbortController().signal,
    );
    expect(outcome.output).toBe('done');
    expect(seen).toEqual({ provider: 'openai', calls: 1 });
    expect(suspended).toBe(1);
    expect(context.recorded.events).toEqual([
      {
        type: 'provider:pause',
        payload: { provider: 'openai', reason: 'rate-limited', waitMs: 1200, error: expect.objectContaining({ code: 'PROVIDER_RATE_LIMITED', message: 'openai: 429' }) },
      },
      { type: 'provider:circuit', payload: { provider: 'openai', state: 'open', failures: 5 } },
    ]);
  });

  it('does not retry a failed call itself: the real governor rethrows the 503 after one request', async () => {
    server.enqueue(openAiErrorReply(503, 'busy'), openAiStreamReply(script));
    const gate = createProviderGovernor();
    const error = await rejection(runtimeFor(openai).run(invocation({ gate }), new AbortController().signal));
    expect(error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', message: expect.stringContaining('openai model "gpt-4.1"') });
    expect(server.requests).toHaveLength(1);
  });

  it('maps Anthropic stream error events: overloaded_error first or mid-stream is PROVIDER_UNAVAILABLE', async () => {
    const anthropic = protocols[1]!;
    const overloaded = `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } })}\n\n`;
    server.enqueue(
      (_, response) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.end(overloaded);
      },
      (_, response) => {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.end(anthropicStart('claude-sonnet-4-5', 10) + anthropicBlockStart() + anthropicDelta('Half an answer') + overloaded);
      },
    );
    const runtime = runtimeFor(anthropic);
    const first = await rejection(runtime.run(invocation({ model: 'sonnet' }), new AbortController().signal));
    const midway = await rejection(runtime.run(invocation({ model: 'sonnet' }), new AbortController().signal));
    for (const error of [first, midway]) {
      expect(error.code).toBe('PROVIDER_UNAVAILABLE');
      expect(error.retryable).toBe(true);
      expect(error.message).toContain('anthropic model "claude-sonnet-4-5"');
      expect(error.message).toContain('Overloaded');
    }
  });

  it('reports a base URL that answers with a web page as PROVIDER_ERROR instead of an empty answer', async () => {
    server.enqueue((_, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html><body>Welcome</body></html>');
    });
    const error = await rejection(runtimeFor(openai).run(invocation(), new AbortController().signal));
    expect(error.code).toBe('PROVIDER_ERROR');
    expect(error.message).toContain('is the base URL right?');
  });

  it('reads retry-after as an HTTP date', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    server.enqueue(openAiErrorReply(429, 'slow down', { 'retry-after': at }));
    const error = await rejection(runtimeFor(openai).run(invocation(), new AbortController().signal));
    expect(error.code).toBe('PROVIDER_RATE_LIMITED');
    expect(error.retryAfterMs).toBeGreaterThan(27_000);
    expect(error.retryAfterMs).toBeLessThanOrEqual(30_000);
  });

  it('reports an unreachable server as PROVIDER_UNAVAILABLE', async () => {
    const url = server.url;
    await server.close();
    const runtime = createLlmRuntime({ provider: 'openai', providers: { openai: { apiKey: API_KEY, baseURL: `${url}/v1` } } });
    const error = await rejection(runtime.run(invocation(), new AbortController().signal));
    expect(error.code).toBe('PROVIDER_UNAVAILABLE');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('openai model "gpt-4.1"');
    server = await startProviderServer();
  });

  it('coalesces deltas: at most one report per interval, the rest at the end', async () => {
    const chunks = Array.from({ length: 50 }, (_, index) => `w${index} `);
    server.enqueue(openAiStreamReply({ ...script, chunks }));
    const deltas: string[] = [];
    const outcome = await runtimeFor(openai, { outputIntervalMs: 60_000 }).run(invocation({ reportOutput: (delta) => deltas.push(delta) }), new AbortController().signal);
    expect(deltas.join('')).toBe(outcome.output);
    expect(deltas.length).toBe(2);
  });

  it('resolves tiers, provider:model and bare ids; describeModel names the concrete model', () => {
    const runtime = createLlmRuntime({
      provider: 'anthropic',
      providers: { anthropic: { apiKey: API_KEY }, ollama: { baseURL: 'http://127.0.0.1:1' } },
      tiers: { anthropic: { fast: 'claude-3-5-haiku-latest' } },
    });
    expect(runtime.describeModel('sonnet')).toBe('anthropic:claude-sonnet-4-5');
    expect(runtime.describeModel('balanced')).toBe('anthropic:claude-sonnet-4-5');
    expect(runtime.describeModel('haiku')).toBe('anthropic:claude-3-5-haiku-latest');
    expect(runtime.describeModel('openai:best')).toBe('openai:o3');
    expect(runtime.describeModel('ollama:llama3.1:70b')).toBe('ollama:llama3.1:70b');
    expect(runtime.describeModel('claude-opus-4-1')).toBe('anthropic:claude-opus-4-1');
    expect(runtime.describeModel('inherit')).toBe('anthropic:claude-sonnet-4-5');
  });

  it('fails with PROVIDER_NOT_CONFIGURED (no request) for a model of a provider without a key', async () => {
    const error = await rejection(runtimeFor(openai).run(invocation({ model: 'anthropic:opus' }), new AbortController().signal));
    expect(error.code).toBe('PROVIDER_NOT_CONFIGURED');
    expect(error.message).toContain('ANTHROPIC_API_KEY');
    expect(server.requests).toHaveLength(0);
  });

  it('rejects with the abort reason at once when the signal is already aborted', async () => {
    const controller = new AbortController();
    const reason = new EnsembleError('RUN_CANCELLED', 'run cancelled');
    controller.abort(reason);
    await expect(runtimeFor(openai).run(invocation(), controller.signal)).rejects.toBe(reason);
    expect(server.requests).toHaveLength(0);
  });
});

describe('LocalDispatcher with the llm runtime', () => {
  const registry = new AgentRegistry();
  registry.register(agent);
  registry.register(parseAgentDefinition('---\nname: offline\ndescription: Always simulated\nruntime: simulated\n---\nNotes.\n', 'test'));
  registry.register(parseAgentDefinition('---\nname: cheap\ndescription: Uses the small model\nmodel: haiku\n---\nBe brief.\n', 'test'));
  const task = (agentName: string, model?: string) =>
    taskSpecSchema.parse({ id: 't1', agentName, prompt: 'Design a todo API', ...(model === undefined ? {} : { model }) });

  it('runs llm agents on the llm runtime and announces the concrete model; simulated agents stay simulated', async () => {
    server.enqueue(openAiStreamReply({ model: 'gpt-4.1', chunks: ['real answer'], inputTokens: 5, outputTokens: 2 }));
    const llmRuntime = createLlmRuntime({ provider: 'openai', providers: { openai: protocols[0]!.settings(server.url) } });
    const dispatcher = new LocalDispatcher({ registry, inProcess: new Map(), llmRuntime, simulatedLatencyMs: 0 });
    expect(dispatcher.describe(task('backend-architect'))).toEqual({ runtime: 'llm', model: 'openai:gpt-4.1' });
    expect(dispatcher.describe(task('cheap'))).toEqual({ runtime: 'llm', model: 'openai:gpt-4.1-mini' });
    expect(dispatcher.describe(task('backend-architect', 'openai:o3'))).toEqual({ runtime: 'llm', model: 'openai:o3' });
    expect(dispatcher.describe(task('offline'))).toEqual({ runtime: 'simulated', model: 'simulated:sonnet' });
    const context = recordingDispatchContext();
    const outcome = await dispatcher.dispatch({ runId: 'r', task: task('backend-architect'), attempt: 1, executionId: 'r:t:1', inputs: [], permissions: 'edit', context: [] }, context);
    expect(outcome).toMatchObject({ output: 'real answer', model: 'openai:gpt-4.1' });
    // Spend goes through the context (so failed attempts count too), not the outcome.
    expect(context.recorded.usage).toEqual([{ usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 }, costUsd: expect.any(Number) }]);
  });

  it('uses the configured default model for agents and tasks that name none', () => {
    const llmRuntime = createLlmRuntime({ provider: 'openai', providers: { openai: protocols[0]!.settings(server.url) } });
    const dispatcher = new LocalDispatcher({ registry, inProcess: new Map(), llmRuntime, defaultModel: 'best' });
    expect(dispatcher.describe(task('backend-architect'))).toEqual({ runtime: 'llm', model: 'openai:o3' });
    expect(dispatcher.describe(task('cheap'))).toEqual({ runtime: 'llm', model: 'openai:gpt-4.1-mini' });
  });

  it('without the llm runtime, llm agents run simulated exactly as before', () => {
    const dispatcher = new LocalDispatcher({ registry, inProcess: new Map() });
    expect(dispatcher.describe(task('backend-architect'))).toEqual({ runtime: 'simulated', model: 'simulated:sonnet' });
  });
});
