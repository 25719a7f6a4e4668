import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Stand-ins for the coding-agent CLIs, named `claude`, `gemini`, `codex` and `aider`: each records
 * `{name, args, stdin, cwd, secrets}` as a line of `calls.jsonl` beside its `bin` folder (agents get
 * only an allow-listed environment, so the log's path cannot come from one) — `secrets` names the
 * variables it received that look like keys or tokens — and prints what the real CLI prints in the
 * format its ensemble definition asks for. The prompt steers them: `FAIL` → the CLI's own error
 * report (and exit 1), `PLAIN` → plain text where JSON was asked for; otherwise an answer that
 * quotes the prompt. `--echo` (any of them) answers with the prompt itself.
 */
const FAKE_CLI_SOURCE = String.raw`
const fs = require('node:fs');
const path = require('node:path');
const name = path.basename(process.argv[1]);
const args = process.argv.slice(2);
let stdin = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => (stdin += chunk));
process.stdin.on('end', () => {
  const secrets = Object.keys(process.env).filter((key) => /KEY|TOKEN|SECRET|BASE_URL/.test(key)).sort();
  const log = path.join(path.dirname(process.argv[1]), '..', 'calls.jsonl');
  fs.appendFileSync(log, JSON.stringify({ name, args, stdin, cwd: process.cwd(), secrets }) + '\n');
  const flagValue = (flag) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  // -p is claude's --print switch: the argument after it is the prompt unless it is another flag; without one, claude reads stdin (as the preset has it).
  // The presets give claude, gemini and codex (exec … -) the prompt on stdin; echo-claude still passes it after -p.
  const promptArgument = name === 'codex' ? (args.at(-1) === '-' ? undefined : args.at(-1)) : flagValue(name === 'aider' ? '--message' : '-p');
  const prompt = (name === 'claude' && promptArgument?.startsWith('-') ? undefined : promptArgument) ?? stdin;
  const mode = prompt.includes('FAIL') ? 'fail' : prompt.includes('PLAIN') ? 'plain' : 'ok';
  const answer = args.includes('--echo') ? prompt : 'answer from ' + name + ': ' + prompt.slice(0, 40);
  const print = (value) => process.stdout.write(JSON.stringify(value) + '\n');
  if (mode === 'plain') {
    process.stdout.write('Here is a plain answer, not JSON.\n');
    return;
  }
  if (name === 'claude') {
    print({
      type: 'result', subtype: 'success', is_error: mode === 'fail', duration_ms: 1234, duration_api_ms: 1100, num_turns: 2,
      result: mode === 'fail' ? 'API Error: 529 {"type":"overloaded_error"}' : answer,
      session_id: '5f0c', total_cost_usd: 0.0123,
      usage: { input_tokens: 10, cache_creation_input_tokens: 200, cache_read_input_tokens: 300, output_tokens: 45, server_tool_use: { web_search_requests: 0 } },
      modelUsage: { 'claude-sonnet-4-5-20250929[1m]': { inputTokens: 10, outputTokens: 45, cacheReadInputTokens: 300, cacheCreationInputTokens: 200, costUSD: 0.0123 } },
      permission_denials: [],
    });
    if (mode === 'fail') process.exitCode = 1;
  } else if (name === 'gemini') {
    const stats = { models: { 'gemini-2.5-pro': { api: { totalRequests: 1, totalErrors: 0, totalLatencyMs: 900 }, tokens: { prompt: 80, candidates: 20, total: 105, cached: 0, thoughts: 5, tool: 0 } } }, tools: { totalCalls: 0 }, files: { totalLinesAdded: 0, totalLinesRemoved: 0 } };
    if (mode === 'fail') {
      // As Gemini CLI 0.61 does: the JSON error on stderr, nothing on stdout, exit status = HTTP status mod 256.
      process.stderr.write(JSON.stringify({ session_id: 'c0ffee', error: { type: 'Error', message: 'Quota exceeded for gemini-2.5-pro', code: 429 } }, null, 2) + '\n');
      process.exitCode = 429 % 256;
    } else {
      process.stdout.write(JSON.stringify({ response: answer, stats }, null, 2) + '\n');
    }
  } else if (name === 'codex') {
    print({ type: 'thread.started', thread_id: '0199a213' });
    print({ type: 'turn.started' });
    print({ type: 'item.completed', item: { id: 'item_0', type: 'reasoning', text: '**Reading the task**' } });
    if (mode === 'fail') {
      print({ type: 'error', message: 'stream disconnected before completion' });
      print({ type: 'turn.failed', error: { message: 'stream disconnected before completion: rate limit reached' } });
      process.exitCode = 1;
      return;
    }
    print({ type: 'item.completed', item: { id: 'item_2', type: 'command_execution', command: "/bin/bash -lc 'npm test'", aggregated_output: 'ok', exit_code: 0, status: 'completed' } });
    print({ type: 'item.completed', item: { id: 'item_3', type: 'file_change', changes: [{ path: path.join(process.cwd(), 'utils.js'), kind: 'update' }], status: 'completed' } });
    print({ type: 'item.completed', item: { id: 'item_1', type: 'agent_message', text: answer } });
    print({ type: 'turn.completed', usage: { input_tokens: 700, cached_input_tokens: 512, output_tokens: 33 } });
  } else {
    if (mode === 'fail') {
      process.stderr.write('litellm.AuthenticationError: invalid api key\n');
      process.exitCode = 1;
      return;
    }
    process.stdout.write('Aider v0.86.1\nApplied edit to hello.js\n' + answer + '\n');
  }
});
`;

export const FAKE_CLI_NAMES = ['claude', 'gemini', 'codex', 'aider'] as const;

/** Where the fake CLIs written into `folder` log their calls. */
export function fakeCliLogPath(folder: string): string {
  return join(folder, 'calls.jsonl');
}

/** Writes the fake CLIs into `folder/bin` (executable, run by this Node) and returns that folder. */
export function writeFakeClis(folder: string): string {
  const binDir = join(folder, 'bin');
  mkdirSync(binDir, { recursive: true });
  for (const name of FAKE_CLI_NAMES) {
    const path = join(binDir, name);
    writeFileSync(path, `#!${process.execPath}\n${FAKE_CLI_SOURCE}`);
    chmodSync(path, 0o755);
  }
  return binDir;
}

export interface FakeCliCall {
  readonly name: string;
  readonly args: readonly string[];
  readonly stdin: string;
  readonly cwd: string;
  /** Names of the variables the CLI received that look like keys, tokens or base URLs. */
  readonly secrets: readonly string[];
}

export function readFakeCliLog(path: string): FakeCliCall[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as FakeCliCall);
}
