import { describe, expect, it } from 'vitest';
import { categoriseCodexError, findCodexModelArgument, parseCodexJsonl } from './codex-output.js';
import { readCodexStderr } from './codex-stderr.js';

/** The parser reading `stdout` of a CLI that exited 0 with nothing on stderr. */
const read = (stdout: string) => parseCodexJsonl({ stdout, stderr: '', exitCode: 0 });
const lines = (...events: unknown[]) => events.map((event) => JSON.stringify(event)).join('\n');

// Fixtures below are what `codex exec --json` 0.171.0 printed against a loopback Responses server
// (thread ids shortened, long messages trimmed).
const THREAD = { type: 'thread.started', thread_id: '01a22261-1649-7bf1-ad69-14af3267e850' };
const PATH_ALIAS_WARNING =
  'WARNING: proceeding, even though we could not create PATH aliases: Refusing to create helper binaries under temporary dir "/tmp" (codex_home: AbsolutePathBuf("/tmp/cx/codexhome"))';

describe('parseCodexJsonl', () => {
  it('reads a plain answer: the agent message, the turn usage (cached tokens already inside input_tokens), no cost', () => {
    const stdout = lines(
      THREAD,
      { type: 'turn.started' },
      { type: 'item.completed', item: { id: 'item_0', type: 'agent_message', text: 'Hello from fake' } },
      { type: 'turn.completed', usage: { input_tokens: 100, cached_input_tokens: 40, cache_write_input_tokens: 0, output_tokens: 20, reasoning_output_tokens: 5 } },
    );
    expect(parseCodexJsonl({ stdout: `${stdout}\n`, stderr: `${PATH_ALIAS_WARNING}\n`, exitCode: 0 })).toEqual({
      kind: 'answer',
      output: 'Hello from fake',
      usage: { inputTokens: 100, outputTokens: 20, totalTokens: 120 },
      costUsd: 0,
      activity: { refusals: [], changes: [], commands: [] },
    });
  });

  it('takes the last agent message, sums the turns and ignores reconnect notices that were followed by an answer', () => {
    const text = lines(
      THREAD,
      { type: 'turn.started' },
      { type: 'item.completed', item: { id: 'item_0', type: 'reasoning', text: '**Planning**' } },
      { type: 'item.completed', item: { id: 'item_2', type: 'agent_message', text: 'first draft' } },
      { type: 'error', message: 'Reconnecting... 2/5 (stream disconnected before completion: error sending request)' },
      { type: 'item.completed', item: { id: 'item_3', type: 'agent_message', text: 'All tests pass.' } },
      { type: 'turn.completed', usage: { input_tokens: 24_763, cached_input_tokens: 24_448, output_tokens: 122 } },
      { type: 'turn.completed', usage: { input_tokens: 37, output_tokens: 3 } },
    );
    expect(read(`${text}\nnot json at all\n`)).toMatchObject({
      kind: 'answer',
      output: 'All tests pass.',
      usage: { inputTokens: 24_800, outputTokens: 125, totalTokens: 24_925 },
    });
  });

  it('records file_change items as changes and command_execution items as commands', () => {
    const stdout = lines(
      THREAD,
      { type: 'turn.started' },
      { type: 'item.started', item: { id: 'item_0', type: 'file_change', changes: [{ path: '/tmp/cx/ws/created.txt', kind: 'add' }, { path: '/tmp/cx/ws/existing.txt', kind: 'update' }], status: 'in_progress' } },
      { type: 'item.completed', item: { id: 'item_0', type: 'file_change', changes: [{ path: '/tmp/cx/ws/created.txt', kind: 'add' }, { path: '/tmp/cx/ws/existing.txt', kind: 'update' }], status: 'completed' } },
      { type: 'item.started', item: { id: 'item_1', type: 'command_execution', command: "/bin/bash -lc 'ls nosuchfile'", aggregated_output: '', exit_code: null, status: 'in_progress' } },
      {
        type: 'item.completed',
        item: { id: 'item_1', type: 'command_execution', command: "/bin/bash -lc 'ls nosuchfile'", aggregated_output: "ls: cannot access 'nosuchfile': No such file or directory\n", exit_code: 2, status: 'failed' },
      },
      // Still running when the turn ended (a background session): listed without an exit code.
      { type: 'item.started', item: { id: 'item_2', type: 'command_execution', command: "/bin/bash -lc 'sleep 291'", aggregated_output: '', exit_code: null, status: 'in_progress' } },
      { type: 'item.completed', item: { id: 'item_3', type: 'agent_message', text: 'Done editing' } },
      { type: 'turn.completed', usage: { input_tokens: 200, cached_input_tokens: 80, cache_write_input_tokens: 0, output_tokens: 40, reasoning_output_tokens: 10 } },
    );
    expect(read(stdout)).toMatchObject({
      kind: 'answer',
      output: 'Done editing',
      activity: {
        refusals: [],
        changes: [
          { path: '/tmp/cx/ws/created.txt', kind: 'add' },
          { path: '/tmp/cx/ws/existing.txt', kind: 'update' },
        ],
        commands: [
          { command: "/bin/bash -lc 'ls nosuchfile'", exitCode: 2 },
          { command: "/bin/bash -lc 'sleep 291'", exitCode: null },
        ],
      },
    });
  });

  it('reports a patch refused by the read-only sandbox (stderr only) and a command the sandbox stopped', () => {
    const stdout = lines(
      THREAD,
      { type: 'turn.started' },
      { type: 'item.completed', item: { id: 'item_0', type: 'agent_message', text: 'Done editing' } },
      { type: 'turn.completed', usage: { input_tokens: 300, cached_input_tokens: 120, cache_write_input_tokens: 0, output_tokens: 60, reasoning_output_tokens: 15 } },
    );
    const stderr = [
      PATH_ALIAS_WARNING,
      '2026-11-28T13:38:55.574145Z ERROR codex_core::tools::router: error=patch rejected: writing is blocked by read-only sandbox; rejected by user approval settings',
      '2026-11-28T13:53:50.217328Z  WARN codex_sandboxing::violation: recorded sandbox violation: resource=filesystem backend=linux_sandbox reason=read_only_file_system path=unknown',
      '',
    ].join('\n');
    expect(parseCodexJsonl({ stdout, stderr, exitCode: 0 })).toMatchObject({
      kind: 'answer',
      output: 'Done editing',
      activity: {
        refusals: [
          { tool: 'apply_patch', detail: 'patch rejected: writing is blocked by read-only sandbox; rejected by user approval settings' },
          { tool: 'exec_command', detail: 'a command stopped by the sandbox (read only file system)' },
        ],
        failedToolCalls: 1,
      },
    });
  });

  it('fails a 401 as auth with its status, not retried', () => {
    const message = 'unexpected status 401 Unauthorized: Incorrect API key provided: sk-bad., url: http://127.0.0.1:38111/v1/responses';
    const stdout = lines(
      THREAD,
      { type: 'item.completed', item: { id: 'item_0', type: 'error', message: 'Model metadata for `gpt-test` not found. Defaulting to fallback metadata; this can degrade performance and cause issues.' } },
      { type: 'turn.started' },
      { type: 'error', message },
      { type: 'turn.failed', error: { message } },
    );
    expect(parseCodexJsonl({ stdout, stderr: PATH_ALIAS_WARNING, exitCode: 1 })).toEqual({
      kind: 'failure',
      message,
      category: 'auth',
      status: 401,
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
      costUsd: 0,
      // The unknown-model warning is the one place Codex names its model.
      model: 'gpt-test',
      activity: { refusals: [], changes: [], commands: [] },
    });
  });

  it('fails on errors with no answer after them, and on turn.failed', () => {
    expect(read(lines(THREAD, { type: 'error', message: 'model not supported' }))).toMatchObject({ kind: 'failure', message: 'model not supported', category: 'agent' });
    const missingKey = 'Missing environment variable: `OPENAI_API_KEY`.';
    expect(read(lines(THREAD, { type: 'turn.started' }, { type: 'error', message: missingKey }, { type: 'turn.failed', error: { message: missingKey } }))).toMatchObject({
      kind: 'failure',
      message: missingKey,
      category: 'auth',
    });
  });

  it('calls Codex stopping before its first event a configuration failure, with its error text', () => {
    const noRepository = parseCodexJsonl({ stdout: '', stderr: `${PATH_ALIAS_WARNING}\nNot inside a trusted directory and --skip-git-repo-check was not specified.\n`, exitCode: 1 });
    expect(noRepository).toMatchObject({ kind: 'failure', category: 'configuration', message: 'Not inside a trusted directory and --skip-git-repo-check was not specified.' });
    const badConfig = [
      'Error loading config.toml: `wire_api = "chat"` is no longer supported.',
      'How to fix: set `wire_api = "responses"` in your provider config.',
      'More info: https://github.com/openai/codex/discussions/7782',
      'in `model_providers.local.wire_api`',
      '',
    ].join('\n');
    expect(parseCodexJsonl({ stdout: '', stderr: badConfig, exitCode: 1 })).toMatchObject({ kind: 'failure', category: 'configuration', message: badConfig.trim() });
    const unknownProvider = 'Error: Model provider `nope` not found\n\nStack backtrace:\n   0: <unknown>\n   1: <unknown>\n';
    expect(parseCodexJsonl({ stdout: '', stderr: unknownProvider, exitCode: 1 })).toMatchObject({ message: 'Error: Model provider `nope` not found' });
  });

  it('reads the first release (item_type: assistant_message) and the legacy msg envelope', () => {
    expect(read(lines({ type: 'item.completed', item: { id: 'item_3', item_type: 'assistant_message', text: 'old shape' } }))).toMatchObject({ kind: 'answer', output: 'old shape' });
    const legacy = lines(
      { id: '0', msg: { type: 'task_started' } },
      { id: '0', msg: { type: 'agent_message', message: 'legacy answer' } },
      { id: '0', msg: { type: 'token_count', input_tokens: 50, cached_input_tokens: 0, output_tokens: 5 } },
    );
    expect(read(legacy)).toMatchObject({ kind: 'answer', output: 'legacy answer', usage: { inputTokens: 50, outputTokens: 5, totalTokens: 55 }, costUsd: 0 });
  });

  it('calls output without events or without a message unreadable', () => {
    expect(read('plain answer\n')).toEqual({ kind: 'unreadable', reason: 'no JSON event lines' });
    expect(read(lines(THREAD, { type: 'turn.completed', usage: {} }))).toEqual({ kind: 'unreadable', reason: 'no agent message among 2 events' });
  });

  it('names the model given by -m, --model or -c model= in the argv it ran with', () => {
    const stdout = lines(THREAD, { type: 'item.completed', item: { id: 'item_0', type: 'agent_message', text: 'hi' } });
    expect(parseCodexJsonl({ stdout, stderr: '', exitCode: 0, argv: ['codex', 'exec', '--json', '-m', 'gpt-5.5', '-'] })).toMatchObject({ model: 'gpt-5.5' });
    expect(findCodexModelArgument(['exec', '--model=o4-mini'])).toBe('o4-mini');
    expect(findCodexModelArgument(['exec', '-c', 'model="gpt-5.5"', '-c', 'model_reasoning_effort="low"'])).toBe('gpt-5.5');
    expect(findCodexModelArgument(['exec', '--json', '-'])).toBeUndefined();
  });
});

describe('readCodexStderr', () => {
  it('counts every router error as a failed call, and only permission rejections as refusals', () => {
    const stderr = [
      '2026-11-28T13:39:40.421544Z ERROR codex_core::tools::router: error=apply_patch verification failed: Failed to find expected lines in /tmp/cx/ws/existing.txt:',
      'no such line',
      '2026-11-28T13:39:44.207663Z ERROR codex_core::tools::router: error=failed to parse function arguments: missing field `cmd` at line 1 column 11',
      '2026-11-28T13:39:26.966331Z ERROR codex_core::tools::router: error=approval policy is Never; reject command — you cannot ask for escalated permissions if the approval policy is Never',
      '2026-11-28T13:54:04.567549Z ERROR codex_core::tools::router: error=patch rejected: writing outside of the project; rejected by user approval settings',
      '2026-11-28T13:40:27.181477Z ERROR codex_api::endpoint::responses_websocket: failed to connect to Responses WebSocket stage=Unknown',
    ].join('\n');
    expect(readCodexStderr(stderr)).toEqual({
      failedToolCalls: 4,
      refusals: [
        { tool: 'exec_command', detail: 'approval policy is Never; reject command — you cannot ask for escalated permissions if the approval policy is Never' },
        { tool: 'apply_patch', detail: 'patch rejected: writing outside of the project; rejected by user approval settings' },
      ],
    });
  });
});

describe('categoriseCodexError', () => {
  it('reads the status from what Codex 0.171 prints for each HTTP failure', () => {
    expect(categoriseCodexError('unexpected status 403 Forbidden: Fake 403 message, url: http://127.0.0.1:38111/v1/responses')).toEqual({ category: 'auth', status: 403 });
    expect(categoriseCodexError('unexpected status 404 Not Found: Fake 404 message, url: http://127.0.0.1:38111/v1/responses')).toEqual({ category: 'configuration', status: 404 });
    expect(categoriseCodexError('exceeded retry limit, last status: 429 Too Many Requests')).toEqual({ category: 'rate-limit', status: 429 });
    expect(categoriseCodexError('unexpected status 503 Service Unavailable: Fake 503 message, url: http://127.0.0.1:38111/v1/responses')).toEqual({ category: 'transient', status: 503 });
    // A 500 loses its status; a 400 is the raw error body.
    expect(categoriseCodexError('We’re currently experiencing high demand, which may cause temporary errors.')).toEqual({ category: 'transient' });
    expect(categoriseCodexError('{"error":{"message":"Fake 400 message","type":"invalid_request_error","param":null,"code":"c400"}}')).toEqual({ category: 'configuration' });
    expect(categoriseCodexError("You've hit your usage limit")).toEqual({ category: 'rate-limit' });
    expect(categoriseCodexError('something else')).toEqual({ category: 'agent' });
  });
});
