import { describe, expect, it } from 'vitest';
import type { PermissionCeiling } from '../../core/index.js';
import { parseGeminiJson } from './gemini-cli-output.js';

/** The parser reading `stdout` of a CLI that exited 0 with nothing on stderr. */
const read = (stdout: string, permissions?: PermissionCeiling) => parseGeminiJson({ stdout, stderr: '', exitCode: 0, ...(permissions === undefined ? {} : { permissions }) });
/** The parser reading a failed run: stdout empty, as Gemini CLI leaves it. */
const readFailure = (stderr: string, exitCode: number) => parseGeminiJson({ stdout: '', stderr, exitCode });

const decisions = (accept: number) => ({ accept, reject: 0, modify: 0, auto_accept: 0 });
const tokens = (prompt: number, candidates: number) => ({ input: prompt, prompt, candidates, total: prompt + candidates, cached: 0, thoughts: 0, tool: 0 });

// Gemini CLI 0.61 under --approval-mode auto_edit (trimmed: no `api` blocks): write_file ran,
// replace ran twice (once with an old_string it could not find), run_shell_command was not offered.
const EDIT_RUN = {
  session_id: '5646ffb7-11eb-4ccc-b6b0-b916f1c9f954',
  response: 'Edited.',
  stats: {
    models: {
      'gemini-2.5-flash-lite': { tokens: tokens(50, 5), roles: { utility_router: { totalRequests: 1, tokens: tokens(50, 5) } } },
      'gemini-2.5-pro': { tokens: tokens(4000, 80), roles: { main: { totalRequests: 4, tokens: tokens(4000, 80) } } },
    },
    tools: {
      totalCalls: 4,
      totalSuccess: 2,
      totalFail: 2,
      totalDurationMs: 123,
      totalDecisions: decisions(3),
      byName: {
        write_file: { count: 1, success: 1, fail: 0, durationMs: 36, decisions: decisions(1) },
        replace: { count: 2, success: 1, fail: 1, durationMs: 87, decisions: decisions(2) },
        run_shell_command: { count: 1, success: 0, fail: 1, durationMs: 0, decisions: decisions(0) },
      },
    },
    files: { totalLinesAdded: 3, totalLinesRemoved: 1 },
  },
};

// Under --approval-mode default (headless: no write tools offered) the model called write_file anyway.
const READ_RUN_TOOLS = {
  totalCalls: 1,
  totalSuccess: 0,
  totalFail: 1,
  byName: { write_file: { count: 1, success: 0, fail: 1, durationMs: 0, decisions: decisions(0) } },
};

// A 401 from the provider: warnings and the CLI's error reports, then its JSON error (stdout empty, exit 145).
const UNAUTHENTICATED_STDERR = `Warning: 256-color support not detected. Using a terminal with at least 256-color support is recommended for a better visual experience.
Ripgrep is not available. Falling back to GrepTool.
Error generating content via API. Full report available at: /tmp/gemini-client-error-generateJson-api-2026-11-28T13-38-55-230Z.json _ApiError: {"error":{"code":401,"message":"API key not valid. Please pass a valid API key.","status":"UNAUTHENTICATED"}}
    at throwErrorIfNotOK (file:///bundle/chunk-JDPZ4CE3.js:271990:30)
  status: 401
}
[Routing] NumericalClassifierStrategy failed: Error: Failed to generate content: {"error":{"code":401,"message":"API key not valid. Please pass a valid API key.","status":"UNAUTHENTICATED"}}
Error when talking to Gemini API Full report available at: /tmp/gemini-client-error-Turn.run-sendMessageStream-2026-11-28T13-38-55-503Z.json _ApiError: {"error":{"code":401,"message":"API key not valid. Please pass a valid API key.","status":"UNAUTHENTICATED"}}
  status: 401
}
{
  "session_id": "bdc6ea03-ef21-416d-8623-0c3f73636f67",
  "error": {
    "type": "Error",
    "message": "{\\"error\\":{\\"code\\":401,\\"message\\":\\"API key not valid. Please pass a valid API key.\\",\\"status\\":\\"UNAUTHENTICATED\\"}}",
    "code": 401
  }
}
`;

describe('parseGeminiJson', () => {
  const stats = {
    models: {
      'gemini-2.5-pro': { api: { totalRequests: 2 }, tokens: { prompt: 24_939, candidates: 20, total: 25_113, cached: 21_263, thoughts: 154, tool: 0 } },
      'gemini-2.5-flash': { tokens: { prompt: 100, candidates: 50, thoughts: 0, tool: 10 } },
    },
    tools: { totalCalls: 1 },
  };

  it('reads the response and sums token counts over models (builds before 0.61: no roles, every model named)', () => {
    expect(read(JSON.stringify({ response: 'The capital of France is Paris.', stats }))).toEqual({
      kind: 'answer',
      output: 'The capital of France is Paris.',
      usage: { inputTokens: 25_049, outputTokens: 224, totalTokens: 25_273 },
      costUsd: 0,
      model: 'gemini-2.5-pro, gemini-2.5-flash',
      activity: { refusals: [], changes: [], commands: [] },
    });
  });

  it('names only the model of the main role, counts the router in the tokens, and reads lines and failed calls', () => {
    expect(read(JSON.stringify(EDIT_RUN), 'edit')).toEqual({
      kind: 'answer',
      output: 'Edited.',
      usage: { inputTokens: 4050, outputTokens: 85, totalTokens: 4135 },
      costUsd: 0,
      model: 'gemini-2.5-pro',
      activity: { refusals: [{ tool: 'run_shell_command' }], changes: [], commands: [], failedToolCalls: 2, linesAdded: 3, linesRemoved: 1 },
    });
  });

  it('tells refused calls (no decision, a tool beyond the ceiling) from failed ones', () => {
    // The replace that could not find its text ran (accept) and failed: not a refusal under any ceiling.
    expect(read(JSON.stringify(EDIT_RUN), 'full')).toMatchObject({ activity: { refusals: [], failedToolCalls: 2 } });
    expect(read(JSON.stringify(EDIT_RUN), 'read')).toMatchObject({ activity: { refusals: [{ tool: 'run_shell_command' }] } });
    const readRun = JSON.stringify({ response: 'I wrote it.', stats: { ...EDIT_RUN.stats, tools: READ_RUN_TOOLS } });
    expect(read(readRun, 'read')).toMatchObject({ activity: { refusals: [{ tool: 'write_file' }], failedToolCalls: 1 } });
    // Without a ceiling, ensemble's default (edit) allows write_file: a call that did not run is a plain failure.
    expect(read(readRun)).toMatchObject({ activity: { refusals: [], failedToolCalls: 1 } });
  });

  it('counts invalid arguments of an allowed tool as a failure, and every rejected call as a refusal', () => {
    const byName = {
      write_file: { count: 1, success: 0, fail: 1, decisions: decisions(0) },
      read_file: { count: 1, success: 0, fail: 1, decisions: decisions(0) },
      replace: { count: 2, success: 1, fail: 1, decisions: { accept: 1, reject: 1, modify: 0, auto_accept: 0 } },
    };
    expect(read(JSON.stringify({ response: 'ok', stats: { tools: { totalFail: 3, byName } } }), 'edit')).toMatchObject({
      activity: { refusals: [{ tool: 'replace' }], failedToolCalls: 3 },
    });
  });

  it('reads flat stats and skips a banner printed before the JSON', () => {
    const text = `Loaded cached credentials.\n${JSON.stringify({ response: 'ok', stats: { inputTokens: 12, outputTokens: 8, totalTokens: 20 } }, null, 2)}`;
    expect(read(text)).toMatchObject({ kind: 'answer', output: 'ok', usage: { inputTokens: 12, outputTokens: 8, totalTokens: 20 } });
  });

  it('reports an error object on stdout as a failure', () => {
    const text = JSON.stringify({ response: null, stats, error: { type: 'ApiError', message: 'Quota exceeded', code: 429 } });
    expect(read(text)).toMatchObject({ kind: 'failure', message: 'Quota exceeded (ApiError 429)', category: 'rate-limit', status: 429 });
  });

  it('reads the JSON error from stderr when stdout is empty: a 401 is an auth failure with the provider\'s message', () => {
    expect(readFailure(UNAUTHENTICATED_STDERR, 145)).toEqual({
      kind: 'failure',
      message: 'API key not valid. Please pass a valid API key. (UNAUTHENTICATED 401)',
      category: 'auth',
      status: 401,
      usage: { inputTokens: 0, outputTokens: 0, totalTokens: 0 },
      costUsd: 0,
      activity: { refusals: [], changes: [], commands: [] },
    });
    const serverError = UNAUTHENTICATED_STDERR.replaceAll('401', '500').replaceAll('UNAUTHENTICATED', 'INTERNAL');
    expect(readFailure(serverError, 244)).toMatchObject({ kind: 'failure', category: 'transient', status: 500 });
  });

  it('fails its own set-up errors (exit 41, 42, 55) as configuration, JSON or not, with advice for a base URL', () => {
    const invalidAuth = `{\n  "session_id": "1d84dd5b-5bed-4530-a559-5fabcaa062b8",\n  "error": {\n    "type": "Error",\n    "message": "Invalid auth method selected.",\n    "code": 41\n  }\n}\n`;
    const auth = readFailure(invalidAuth, 41);
    expect(auth).toMatchObject({ kind: 'failure', category: 'configuration' });
    expect(auth).not.toHaveProperty('status');
    expect(auth.kind === 'failure' && auth.message).toMatch(/^Invalid auth method selected\. \(exit code 41\) .*"selectedType": "gemini-api-key"/);
    const untrusted =
      '\u001b[31mGemini CLI is not running in a trusted directory. To proceed, either use `--skip-trust`, set the `GEMINI_CLI_TRUST_WORKSPACE=true` environment variable, or trust this directory in interactive mode. For more details, see https://geminicli.com/docs/cli/trusted-folders/#headless-and-automated-environments\u001b[0m\n';
    expect(readFailure(untrusted, 55)).toMatchObject({
      kind: 'failure',
      category: 'configuration',
      message: expect.stringMatching(/^Gemini CLI is not running in a trusted directory\. .*environments$/),
    });
    const noInput = 'Ripgrep is not available. Falling back to GrepTool.\nNo input provided via stdin. Input can be provided by piping data into gemini or using the --prompt option.\n';
    expect(readFailure(noInput, 42)).toMatchObject({ kind: 'failure', category: 'configuration', message: expect.stringMatching(/^No input provided via stdin\./) });
  });

  it('calls an unreachable provider transient', () => {
    const stderr = 'Attempt 1 failed. Retrying with backoff... Error: exception TypeError: fetch failed sending request\n' + JSON.stringify({ session_id: 's', error: { type: 'Error', message: 'exception TypeError: fetch failed sending request', code: 1 } }, null, 2);
    expect(readFailure(stderr, 1)).toMatchObject({ kind: 'failure', category: 'transient', message: 'exception TypeError: fetch failed sending request (exit code 1)' });
  });

  it('calls text and unrelated JSON unreadable', () => {
    expect(read('Paris.')).toMatchObject({ kind: 'unreadable' });
    expect(read('{"stats": {}}')).toEqual({ kind: 'unreadable', reason: 'the JSON has neither "response" nor "error"' });
    expect(readFailure('Segmentation fault\n', 139)).toMatchObject({ kind: 'unreadable' });
  });
});
