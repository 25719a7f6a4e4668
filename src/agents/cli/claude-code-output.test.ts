import { describe, expect, it } from 'vitest';
import { parseClaudeJson } from './claude-code-output.js';

/** The parser reading `stdout` of a CLI that ended with `exitCode` and nothing on stderr. */
const read = (stdout: string, exitCode = 0) => parseClaudeJson({ stdout, stderr: '', exitCode });

// Fixtures: what Claude Code 2.1.197 printed (`claude -p --output-format json`, prompt on stdin)
// against a loopback Anthropic Messages server; ids, timings and the zero-valued usage details
// (server_tool_use, cache_creation, iterations, …) trimmed.
const ZERO_USAGE = '"usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0,"service_tier":"standard"}';

/** An edit under --permission-mode bypassPermissions, with a haiku model for the session title. */
const ANSWER_TWO_MODELS =
  '{"type":"result","subtype":"success","is_error":false,"api_error_status":null,"duration_ms":889,"num_turns":5,"result":"Done: edited.","stop_reason":"end_turn",' +
  '"total_cost_usd":0.0026,"usage":{"input_tokens":400,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":80,"service_tier":"standard"},' +
  '"modelUsage":{"claude-haiku-4-5-20251001":{"inputTokens":100,"outputTokens":20,"cacheReadInputTokens":0,"cacheCreationInputTokens":0,"webSearchRequests":0,"costUSD":0.0002,"contextWindow":200000,"maxOutputTokens":32000},' +
  '"claude-sonnet-4-5-20250929":{"inputTokens":400,"outputTokens":80,"cacheReadInputTokens":0,"cacheCreationInputTokens":0,"webSearchRequests":0,"costUSD":0.0024000000000000002,"contextWindow":200000,"maxOutputTokens":32000}},' +
  '"permission_denials":[],"terminal_reason":"completed","fast_mode_state":"off"}';

/** The same edit under --permission-mode dontAsk: Write, Edit and a writing Bash command refused, the answer "succeeds". */
const ANSWER_WITH_DENIALS =
  '{"type":"result","subtype":"success","is_error":false,"api_error_status":null,"num_turns":5,"result":"Done: edited.","stop_reason":"end_turn","total_cost_usd":0.005,' +
  '"usage":{"input_tokens":400,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":80},' +
  '"modelUsage":{"claude-opus-4-8[1m]":{"inputTokens":500,"outputTokens":100,"cacheReadInputTokens":0,"cacheCreationInputTokens":0,"webSearchRequests":0,"costUSD":0.005,"contextWindow":1000000,"maxOutputTokens":64000}},' +
  '"permission_denials":[{"tool_name":"Write","tool_use_id":"toolu_02","tool_input":{"file_path":"/work/ws/new.txt","content":"created\\n"}},' +
  '{"tool_name":"Edit","tool_use_id":"toolu_03","tool_input":{"file_path":"/work/ws/a.txt","old_string":"hi","new_string":"hello","replace_all":false}},' +
  '{"tool_name":"Bash","tool_use_id":"toolu_04","tool_input":{"command":"echo ran-bash > bash.txt","description":"write a file"}}],"terminal_reason":"completed"}';

/** The server answered 401 (CLAUDE_CODE_MAX_RETRIES=0); exit code 1. */
const UNAUTHORIZED =
  '{"type":"result","subtype":"success","is_error":true,"api_error_status":401,"num_turns":1,"result":"Invalid API key · Fix external API key","stop_reason":"stop_sequence",' +
  `"total_cost_usd":0,${ZERO_USAGE},"modelUsage":{},"permission_denials":[],"terminal_reason":"completed"}`;

/** The server answered 500; exit code 1. */
const SERVER_ERROR =
  '{"type":"result","subtype":"success","is_error":true,"api_error_status":500,"num_turns":1,' +
  '"result":"API Error: 500 Internal server error. This is a server-side issue, usually temporary — try again in a moment. If it persists, check your inference gateway (127.0.0.1:48111).",' +
  `"stop_reason":"stop_sequence","total_cost_usd":0,${ZERO_USAGE},"modelUsage":{},"permission_denials":[],"terminal_reason":"completed"}`;

/** No key at all: no request made, no status. */
const NOT_LOGGED_IN =
  '{"type":"result","subtype":"success","is_error":true,"api_error_status":null,"num_turns":1,"result":"Not logged in · Please run /login","stop_reason":"stop_sequence",' +
  `"total_cost_usd":0,${ZERO_USAGE},"modelUsage":{},"permission_denials":[],"terminal_reason":"completed"}`;

/** Nothing listening at ANTHROPIC_BASE_URL. */
const CONNECTION_REFUSED =
  '{"type":"result","subtype":"success","is_error":true,"api_error_status":null,"num_turns":1,"result":"API Error: Unable to connect to API (ConnectionRefused)","stop_reason":"stop_sequence",' +
  `"total_cost_usd":0,${ZERO_USAGE},"modelUsage":{},"permission_denials":[],"terminal_reason":"completed"}`;

/** CLAUDE_CODE_MAX_TURNS=1 with a tool call pending: no `result`, the reason in `errors`. */
const MAX_TURNS =
  '{"type":"result","subtype":"error_max_turns","duration_ms":1398,"is_error":true,"num_turns":2,"stop_reason":"tool_use","total_cost_usd":0.002,' +
  '"usage":{"input_tokens":100,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":20},' +
  '"modelUsage":{"claude-opus-4-8[1m]":{"inputTokens":200,"outputTokens":40,"cacheReadInputTokens":0,"cacheCreationInputTokens":0,"webSearchRequests":0,"costUSD":0.002,"contextWindow":1000000,"maxOutputTokens":64000}},' +
  '"permission_denials":[{"tool_name":"Bash","tool_use_id":"toolu_13","tool_input":{"command":"rm a.txt","description":"d"}}],' +
  '"terminal_reason":"max_turns","errors":["Reached maximum number of turns (1)"]}';

const NO_ACTIVITY = { refusals: [], changes: [], commands: [] };

describe('parseClaudeJson (Claude Code 2.1 output)', () => {
  it('reads the result, the tokens and cost of every model, and names the models costliest first', () => {
    expect(read(ANSWER_TWO_MODELS)).toEqual({
      kind: 'answer',
      output: 'Done: edited.',
      // modelUsage, not usage: the title call to haiku is priced in total_cost_usd, so its tokens count too.
      usage: { inputTokens: 500, outputTokens: 100, totalTokens: 600 },
      costUsd: 0.0026,
      model: 'claude-sonnet-4-5-20250929, claude-haiku-4-5-20251001',
      activity: NO_ACTIVITY,
    });
  });

  it('reports permission_denials as refusals, naming the path or command (issue 12)', () => {
    expect(read(ANSWER_WITH_DENIALS)).toEqual({
      kind: 'answer',
      output: 'Done: edited.',
      usage: { inputTokens: 500, outputTokens: 100, totalTokens: 600 },
      costUsd: 0.005,
      // The [1m] tag (1M-token context window) is not part of the model's name (issue 12).
      model: 'claude-opus-4-8',
      activity: {
        refusals: [
          { tool: 'Write', detail: '/work/ws/new.txt' },
          { tool: 'Edit', detail: '/work/ws/a.txt' },
          { tool: 'Bash', detail: 'echo ran-bash > bash.txt' },
        ],
        changes: [],
        commands: [],
      },
    });
  });

  it('categorises an API error by api_error_status: 401 is auth (not retried), 500 transient (issue 12)', () => {
    expect(read(UNAUTHORIZED, 1)).toEqual({
      kind: 'failure',
      message: 'Invalid API key · Fix external API key',
      category: 'auth',
      status: 401,
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
      costUsd: 0,
      activity: NO_ACTIVITY,
    });
    expect(read(SERVER_ERROR, 1)).toMatchObject({ kind: 'failure', category: 'transient', status: 500, message: expect.stringMatching(/^API Error: 500 Internal server error/) });
    const rateLimited = JSON.stringify({ ...(JSON.parse(SERVER_ERROR) as object), api_error_status: 429, result: 'API Error: 429 rate limited' });
    expect(read(rateLimited, 1)).toMatchObject({ kind: 'failure', category: 'rate-limit', status: 429 });
  });

  it('tells a missing key from a network error when there is no status', () => {
    expect(read(NOT_LOGGED_IN, 1)).toMatchObject({ kind: 'failure', category: 'auth', message: 'Not logged in · Please run /login' });
    expect(read(NOT_LOGGED_IN, 1)).not.toHaveProperty('status');
    expect(read(CONNECTION_REFUSED, 1)).toMatchObject({ kind: 'failure', category: 'transient', message: 'API Error: Unable to connect to API (ConnectionRefused)' });
  });

  it('says why an error_* subtype stopped the run, from errors[] (issue 12)', () => {
    expect(read(MAX_TURNS, 1)).toEqual({
      kind: 'failure',
      message: 'Reached maximum number of turns (1) (error_max_turns)',
      category: 'agent',
      usage: { inputTokens: 200, outputTokens: 40, totalTokens: 240 },
      costUsd: 0.002,
      model: 'claude-opus-4-8',
      activity: { refusals: [{ tool: 'Bash', detail: 'rm a.txt' }], changes: [], commands: [] },
    });
    const bare = { ...(JSON.parse(MAX_TURNS) as Record<string, unknown>), errors: undefined };
    expect(read(JSON.stringify(bare), 1)).toMatchObject({ kind: 'failure', message: 'Claude Code stopped with error_max_turns' });
  });

  it('falls back to usage without modelUsage, counting cache tokens as input, and reads the older cost_usd', () => {
    const older = JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: false,
      result: 'ok',
      cost_usd: 0.5,
      usage: { input_tokens: 120, cache_creation_input_tokens: 2000, cache_read_input_tokens: 9000, output_tokens: 640 },
    });
    expect(read(older)).toEqual({ kind: 'answer', output: 'ok', usage: { inputTokens: 11_120, outputTokens: 640, totalTokens: 11_760 }, costUsd: 0.5, activity: NO_ACTIVITY });
  });

  it('reads the last result line of stream-json', () => {
    const stream = [
      JSON.stringify({ type: 'system', subtype: 'init', session_id: 'a1b2' }),
      JSON.stringify({ type: 'assistant', message: { content: [{ type: 'text', text: 'working' }] } }),
      ANSWER_TWO_MODELS,
    ].join('\n');
    expect(read(stream)).toMatchObject({ kind: 'answer', output: 'Done: edited.', costUsd: 0.0026 });
  });

  it('tolerates odd fields instead of losing the answer', () => {
    const odd = {
      ...(JSON.parse(ANSWER_WITH_DENIALS) as Record<string, unknown>),
      total_cost_usd: 'n/a',
      modelUsage: { 'claude-x': 'odd', 'claude-y[1m]': { outputTokens: 7, costUSD: 'free' } },
      permission_denials: [{ tool_name: 'Write' }, 'odd', { tool_name: 'Bash', tool_input: { command: `x${'y'.repeat(300)}` } }],
      api_error_status: 'none',
    };
    const reading = read(JSON.stringify(odd));
    expect(reading).toMatchObject({
      kind: 'answer',
      usage: { inputTokens: 0, outputTokens: 7, totalTokens: 7 },
      costUsd: 0,
      model: 'claude-x, claude-y',
      activity: { refusals: [{ tool: 'Write' }, { tool: 'Bash', detail: expect.stringMatching(/^xy+…$/) }] },
    });
    if (reading.kind === 'answer') expect(reading.activity.refusals[1]?.detail).toHaveLength(201);
  });

  it('says why plain text or foreign JSON is unreadable', () => {
    expect(read('Sure! Here is the plan.')).toMatchObject({ kind: 'unreadable', reason: expect.stringMatching(/^not JSON/) });
    expect(read('{"answer": 42}')).toEqual({ kind: 'unreadable', reason: 'the JSON has no {"type": "result"} object' });
    // As root without IS_SANDBOX, bypassPermissions stops Claude Code before it prints anything.
    expect(read('', 1)).toEqual({ kind: 'unreadable', reason: 'not JSON (stdout is empty)' });
  });
});
