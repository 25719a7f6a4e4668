import { describe, expect, it } from 'vitest';
import { parseClaudeJson, parseCodexJsonl, parseGeminiJson } from './parse-cli-output.js';

const claudeResult = (fields: Record<string, unknown>) =>
  JSON.stringify({
    type: 'result',
    subtype: 'success',
    is_error: false,
    duration_ms: 5120,
    num_turns: 3,
    session_id: 'a1b2',
    result: 'Done: added the login form.',
    total_cost_usd: 0.0421,
    usage: { input_tokens: 120, cache_creation_input_tokens: 2000, cache_read_input_tokens: 9000, output_tokens: 640, service_tier: 'standard' },
    modelUsage: { 'claude-sonnet-4-5-20250929': { inputTokens: 120, outputTokens: 640 } },
    ...fields,
  });

describe('parseClaudeJson', () => {
  it('reads the result, usage (cache tokens counted as input), cost and model', () => {
    expect(parseClaudeJson(claudeResult({}))).toEqual({
      kind: 'answer',
      output: 'Done: added the login form.',
      usage: { inputTokens: 11_120, outputTokens: 640, totalTokens: 11_760 },
      costUsd: 0.0421,
      model: 'claude-sonnet-4-5-20250929',
    });
  });

  it('reports is_error and error subtypes as failures with their message', () => {
    expect(parseClaudeJson(claudeResult({ is_error: true, result: 'Credit balance is too low' }))).toMatchObject({
      kind: 'failure',
      message: 'Credit balance is too low',
      costUsd: 0.0421,
    });
    const maxTurns = JSON.parse(claudeResult({ subtype: 'error_max_turns' })) as Record<string, unknown>;
    delete maxTurns.result;
    expect(parseClaudeJson(JSON.stringify(maxTurns))).toMatchObject({ kind: 'failure', message: 'Claude Code stopped with error_max_turns' });
  });

  it('reads the last result line of stream-json and the older cost_usd field', () => {
    const stream = [
      JSON.stringify({ type: 'system', subtype: 'init', session_id: 'a1b2' }),
      JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text: 'working' }] } }),
      claudeResult({ total_cost_usd: undefined, cost_usd: 0.5, result: 'streamed answer' }),
    ].join('\n');
    expect(parseClaudeJson(stream)).toMatchObject({ kind: 'answer', output: 'streamed answer', costUsd: 0.5 });
  });

  it('tolerates odd fields instead of losing the answer', () => {
    expect(parseClaudeJson(claudeResult({ total_cost_usd: 'n/a', usage: { input_tokens: -1, output_tokens: 7 } }))).toMatchObject({
      kind: 'answer',
      usage: { inputTokens: 0, outputTokens: 7, totalTokens: 7 },
      costUsd: 0,
    });
  });

  it('says why plain text or foreign JSON is unreadable', () => {
    expect(parseClaudeJson('Sure! Here is the plan.')).toMatchObject({ kind: 'unreadable', reason: expect.stringMatching(/^not JSON/) });
    expect(parseClaudeJson('{"answer": 42}')).toEqual({ kind: 'unreadable', reason: 'the JSON has no {"type": "result"} object' });
    expect(parseClaudeJson('')).toMatchObject({ kind: 'unreadable', reason: 'not JSON (stdout is empty)' });
  });
});

describe('parseGeminiJson', () => {
  const stats = {
    models: {
      'gemini-2.5-pro': { api: { totalRequests: 2 }, tokens: { prompt: 24_939, candidates: 20, total: 25_113, cached: 21_263, thoughts: 154, tool: 0 } },
      'gemini-2.5-flash': { tokens: { prompt: 100, candidates: 50, thoughts: 0, tool: 10 } },
    },
    tools: { totalCalls: 1 },
  };

  it('reads the response and sums token counts over models', () => {
    expect(parseGeminiJson(JSON.stringify({ response: 'The capital of France is Paris.', stats }))).toEqual({
      kind: 'answer',
      output: 'The capital of France is Paris.',
      usage: { inputTokens: 25_049, outputTokens: 224, totalTokens: 25_273 },
      costUsd: 0,
      model: 'gemini-2.5-pro, gemini-2.5-flash',
    });
  });

  it('reads flat stats and skips a banner printed before the JSON', () => {
    const text = `Loaded cached credentials.\n${JSON.stringify({ response: 'ok', stats: { inputTokens: 12, outputTokens: 8, totalTokens: 20 } }, null, 2)}`;
    expect(parseGeminiJson(text)).toMatchObject({ kind: 'answer', output: 'ok', usage: { inputTokens: 12, outputTokens: 8, totalTokens: 20 } });
  });

  it('reports the error object as a failure', () => {
    const text = JSON.stringify({ response: null, stats, error: { type: 'ApiError', message: 'Quota exceeded', code: 429 } });
    expect(parseGeminiJson(text)).toMatchObject({ kind: 'failure', message: 'Quota exceeded (ApiError 429)' });
  });

  it('calls text and unrelated JSON unreadable', () => {
    expect(parseGeminiJson('Paris.')).toMatchObject({ kind: 'unreadable' });
    expect(parseGeminiJson('{"stats": {}}')).toEqual({ kind: 'unreadable', reason: 'the JSON has neither "response" nor "error"' });
  });
});

describe('parseCodexJsonl', () => {
  const lines = (...events: unknown[]) => events.map((event) => JSON.stringify(event)).join('\n');

  it('takes the last agent message and sums the turns usage', () => {
    const text = lines(
      { type: 'thread.started', thread_id: '0199' },
      { type: 'turn.started' },
      { type: 'item.completed', item: { id: 'item_0', type: 'reasoning', text: '**Planning**' } },
      { type: 'item.completed', item: { id: 'item_1', type: 'command_execution', command: 'npm test', exit_code: 0 } },
      { type: 'item.completed', item: { id: 'item_2', type: 'agent_message', text: 'first draft' } },
      { type: 'error', message: 'stream error: reconnecting 1/5' },
      { type: 'item.completed', item: { id: 'item_3', type: 'agent_message', text: 'All tests pass.' } },
      { type: 'turn.completed', usage: { input_tokens: 24_763, cached_input_tokens: 24_448, output_tokens: 122 } },
    );
    expect(parseCodexJsonl(`${text}\nnot json at all\n`)).toEqual({
      kind: 'answer',
      output: 'All tests pass.',
      usage: { inputTokens: 24_763, outputTokens: 122, totalTokens: 24_885 },
      costUsd: 0,
    });
  });

  it('reads the first release (item_type: assistant_message) and the legacy msg envelope', () => {
    expect(parseCodexJsonl(lines({ type: 'item.completed', item: { id: 'item_3', item_type: 'assistant_message', text: 'old shape' } }))).toMatchObject({
      kind: 'answer',
      output: 'old shape',
    });
    const legacy = lines(
      { id: '0', msg: { type: 'task_started' } },
      { id: '0', msg: { type: 'agent_message', message: 'legacy answer' } },
      { id: '0', msg: { type: 'token_count', input_tokens: 50, cached_input_tokens: 0, output_tokens: 5 } },
    );
    expect(parseCodexJsonl(legacy)).toEqual({ kind: 'answer', output: 'legacy answer', usage: { inputTokens: 50, outputTokens: 5, totalTokens: 55 }, costUsd: 0 });
  });

  it('fails on turn.failed, and on errors with no answer', () => {
    const failed = lines({ type: 'turn.started' }, { type: 'error', message: 'usage limit' }, { type: 'turn.failed', error: { message: "You've hit your usage limit" } });
    expect(parseCodexJsonl(failed)).toMatchObject({ kind: 'failure', message: "You've hit your usage limit" });
    expect(parseCodexJsonl(lines({ type: 'thread.started' }, { type: 'error', message: 'model not supported' }))).toMatchObject({
      kind: 'failure',
      message: 'model not supported',
    });
  });

  it('calls output without events or without a message unreadable', () => {
    expect(parseCodexJsonl('plain answer\n')).toEqual({ kind: 'unreadable', reason: 'no JSON event lines' });
    expect(parseCodexJsonl(lines({ type: 'thread.started' }, { type: 'turn.completed', usage: {} }))).toEqual({
      kind: 'unreadable',
      reason: 'no agent message among 2 events',
    });
  });
});
